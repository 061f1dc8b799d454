"""Shared helpers for the training scripts: IDX loader, noise schedule, EMA, TorchScript export, manifests.

Conventions (see ../shared/reference/analytic-dpm.md §1.3-1.4 and core's ModelSpec):
  - linear schedule beta = linspace(1e-4, 0.02, N) in float64, 1-indexed n = 1..N, alpha_bar_n = prod_{i<=n}(1-beta_i);
  - training draws n uniformly from {1..N}; x_n = sqrt(abar_n) x_0 + sqrt(1 - abar_n) eps;
  - the network reads time as n - 1 ("index-minus-one"), as a float tensor [B];
  - the network predicts eps.
"""
import copy
import gzip
import hashlib
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads an MNIST-format IDX file (optionally .gz) into a numpy array (uint8 data)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims).copy()


def fashion_mnist(split="train", data_dir=FASHION_DIR):
    """Returns (images uint8 [n,28,28], labels uint8 [n]) for split 'train' or 't10k'."""
    img = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    lab = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    return img, lab


def to_unit_range(images_u8):
    """uint8 {0..255} [n,28,28] -> float32 tensor [n,1,28,28] in [-1,1] (x/127.5 - 1)."""
    x = torch.from_numpy(images_u8.astype(np.float32))
    return (x / 127.5 - 1.0).unsqueeze(1)


class LinearSchedule:
    """DDPM linear schedule, 1-indexed: tensors of length N+1 with index 0 = (beta 0, abar 1)."""

    def __init__(self, steps=1000, beta_start=1e-4, beta_end=0.02):
        self.steps = steps
        scale = 1000.0 / steps
        betas = np.linspace(scale * beta_start, scale * beta_end, steps, dtype=np.float64)
        betas = np.concatenate([[0.0], betas])
        abar = np.cumprod(1.0 - betas)
        self.betas = torch.from_numpy(betas)
        self.alpha_bar = torch.from_numpy(abar)
        self.sqrt_abar = torch.from_numpy(np.sqrt(abar)).float()
        self.sqrt_bbar = torch.from_numpy(np.sqrt(1.0 - abar)).float()

    def sample_n(self, batch, gen):
        """Uniform n in {1..N}, int64 [batch]."""
        return torch.randint(1, self.steps + 1, (batch,), generator=gen)

    def q_sample(self, x0, n, eps):
        shape = (-1,) + (1,) * (x0.dim() - 1)
        return self.sqrt_abar[n].view(shape) * x0 + self.sqrt_bbar[n].view(shape) * eps

    @staticmethod
    def net_time(n):
        """Network time input: n - 1 as float32 ("index-minus-one")."""
        return (n - 1).float()


def timestep_embedding(t, dim: int, max_period: float = 10000.0):
    """Sinusoidal embedding of float time t [B] -> [B, dim] (iDDPM/ADM style: cos then sin)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class EMA:
    """Exponential moving average of a model's parameters and buffers."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, decay=None):
        d = self.decay if decay is None else decay
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1.0 - d)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def export_torchscript(model, path, example_inputs):
    """Scripts (falls back to tracing) an eval-mode copy of the model, saves it, reloads and checks it.

    Returns the sha256 of the written file."""
    m = copy.deepcopy(model).eval().float()
    with torch.no_grad():
        ref = m(*example_inputs)
    try:
        ts = torch.jit.script(m)
    except Exception as e:  # pragma: no cover - fallback
        print(f"scripting failed ({e}); tracing instead")
        ts = torch.jit.trace(m, example_inputs)
    ts = torch.jit.freeze(ts) if False else ts
    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    ts.save(tmp)
    loaded = torch.jit.load(tmp)
    with torch.no_grad():
        out = loaded(*example_inputs)
    if out.shape != ref.shape or not torch.isfinite(out).all() or not torch.allclose(out, ref, atol=1e-5, rtol=1e-4):
        raise RuntimeError("exported model does not reproduce the eager output")
    os.replace(tmp, path)
    return sha256_of(path)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def diffusion_manifest(name, description, sha, sample_shape, data_range, eight_bit, training, provenance,
                       licence, steps=1000):
    """The model.json manifest read by dev.dpm.core.model.ModelSpec.parse."""
    return {
        "name": name,
        "description": description,
        "kind": "torchscript",
        "file": "model.pt",
        "sha256": sha,
        "sampleShape": list(sample_shape),
        "dataRange": data_range,
        "eightBit": eight_bit,
        "prediction": "eps",
        "timeInput": "index-minus-one",
        "schedule": {"type": "linear", "steps": steps},
        "gamma": "gamma.json",
        "licence": licence,
        "training": training,
        "provenance": provenance,
    }


def git_commit_hash():
    try:
        import subprocess
        return subprocess.check_output(["git", "rev-parse", "HEAD"], stderr=subprocess.DEVNULL).decode().strip()
    except Exception:
        return None
