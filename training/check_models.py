#!/usr/bin/python3
"""Checks the exported models: each model.pt reloads with torch.jit.load, matches its manifest's sha256 and
gives finite output of the right shape. Optionally samples the fashion-mnist-uncond U-Net and writes PNG grids.

  /usr/bin/python3 training/check_models.py                       # reload + shape + hash checks
  /usr/bin/python3 training/check_models.py --sample ddim50       # + 64 DDIM(eta=0) samples, 50 even steps
  /usr/bin/python3 training/check_models.py --sample ddpm1000     # + 16 DDPM samples, K = 1000 (slow on CPU)
  /usr/bin/python3 training/check_models.py --ring                # + ring-2d DDPM samples vs the oracle
  /usr/bin/python3 training/check_models.py --cond-guidance 3     # + fashion-mnist CFG grid (DDIM 25, w=3)

The class-conditional fashion-mnist (if present) is called as m(x, t, y) with y int64 [B] (10 = null label)
and checked to give the same eps for an omitted y as for the null label.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LinearSchedule, sha256_of  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "training", "work")


def check(name, inputs, out_shape):
    d = os.path.join(ROOT, "models", name)
    man = json.load(open(os.path.join(d, "model.json")))
    path = os.path.join(d, man["file"])
    sha = sha256_of(path)
    assert sha == man["sha256"], f"{name}: sha256 {sha} != manifest {man['sha256']}"
    m = torch.jit.load(path)
    with torch.no_grad():
        y = m(*inputs)
    assert tuple(y.shape) == out_shape, f"{name}: shape {tuple(y.shape)} != {out_shape}"
    assert torch.isfinite(y).all(), f"{name}: non-finite output"
    print(f"{name}: ok (sha256 {sha[:12]}..., output {tuple(y.shape)}, "
          f"iterations {man.get('training', {}).get('iterations')}, size {os.path.getsize(path)} bytes)")
    return m


@torch.no_grad()
def ddpm(model, sched, shape, gen, clip=True):
    """Plain DDPM ancestral sampling, K = N, sigma^2 = tilde beta, x0 clipped to [-1,1] when clip."""
    x = torch.randn(shape, generator=gen)
    ab, b = sched.alpha_bar, sched.betas
    for n in range(sched.steps, 0, -1):
        eps = model(x, torch.full((shape[0],), float(n - 1)))
        a_n, a_p, beta = float(ab[n]), float(ab[n - 1]), float(b[n])
        x0 = (x - math.sqrt(1 - a_n) * eps) / math.sqrt(a_n)
        if clip:
            x0 = x0.clamp(-1, 1)
        mean = (math.sqrt(a_p) * beta / (1 - a_n)) * x0 + (math.sqrt(1 - beta) * (1 - a_p) / (1 - a_n)) * x
        if n > 1:
            var = beta * (1 - a_p) / (1 - a_n)
            x = mean + math.sqrt(var) * torch.randn(shape, generator=gen)
        else:
            x = mean
    return x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", choices=["none", "ddim50", "ddpm1000"], default="none")
    p.add_argument("--ring", action="store_true")
    p.add_argument("--cond-guidance", type=float, default=None, help="CFG weight w of a fashion-mnist grid")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    sched = LinearSchedule(1000)
    os.makedirs(WORK, exist_ok=True)
    out = {}
    if os.path.exists(os.path.join(ROOT, "models", "ring-2d", "model.json")):
        out["ring"] = check("ring-2d", (torch.randn(5, 2), torch.tensor([0.0, 1.0, 100.0, 500.0, 999.0])), (5, 2))
    if os.path.exists(os.path.join(ROOT, "models", "fashion-features", "model.json")):
        out["feat"] = check("fashion-features", (torch.rand(3, 1, 28, 28) * 2 - 1,), (3, 128))
    if os.path.exists(os.path.join(ROOT, "models", "fashion-mnist-uncond", "model.json")):
        out["unet"] = check("fashion-mnist-uncond", (torch.randn(3, 1, 28, 28), torch.tensor([0.0, 500.0, 999.0])),
                            (3, 1, 28, 28))
    if os.path.exists(os.path.join(ROOT, "models", "fashion-mnist", "model.json")):
        x3, t3 = torch.randn(3, 1, 28, 28), torch.tensor([0.0, 500.0, 999.0])
        null = json.load(open(os.path.join(ROOT, "models", "fashion-mnist", "model.json")))[
            "conditioning"]["nullLabel"]
        out["cond"] = check("fashion-mnist", (x3, t3, torch.tensor([0, 7, null], dtype=torch.long)),
                            (3, 1, 28, 28))
        with torch.no_grad():
            same = torch.equal(out["cond"](x3, t3), out["cond"](x3, t3, torch.full((3,), null, dtype=torch.long)))
        assert same, "fashion-mnist: omitted y differs from the null label"
        print("fashion-mnist: omitted y == null label")
    gen = torch.Generator().manual_seed(args.seed)
    if args.cond_guidance is not None:
        from train_fashion_cond import NUM_CLASSES, ddim_cfg_sample
        from train_fashion_unet import save_grid
        it = json.load(open(os.path.join(ROOT, "models", "fashion-mnist", "model.json")))["training"][
            "iterations"]
        x = ddim_cfg_sample(out["cond"], sched, torch.arange(NUM_CLASSES).repeat_interleave(8), 25,
                            args.cond_guidance, seed=args.seed)
        path = os.path.join(WORK, f"check-cond-cfg{args.cond_guidance:g}-it{it}.png")
        save_grid(x, path)
        print(f"wrote {path} (one row per class)")
    if args.sample != "none":
        from train_fashion_unet import ddim_sample, save_grid
        it = json.load(open(os.path.join(ROOT, "models", "fashion-mnist-uncond", "model.json")))["training"]["iterations"]
        if args.sample == "ddim50":
            x = ddim_sample(out["unet"], sched, 64, 50, seed=args.seed)
        else:
            x = ddpm(out["unet"], sched, (16, 1, 28, 28), gen)
        path = os.path.join(WORK, f"check-{args.sample}-it{it}.png")
        save_grid(x, path)
        print(f"wrote {path}; pixel mean {float(x.mean()):.3f} (data: -0.43)")
    if args.ring:
        from train_ring2d import ring_means, STD
        x = ddpm(out["ring"], sched, (2000, 2), gen, clip=False).double()
        d = torch.cdist(x, ring_means())
        nearest = d.min(1)
        within = (nearest.values < 3 * STD).double().mean()
        counts = torch.bincount(nearest.indices, minlength=8)
        print(f"ring-2d DDPM K=1000, 2000 samples: fraction within 3 std of a mean {float(within):.3f} "
              f"(exact 0.989); per-mode counts {counts.tolist()}; radial std of on-mode points "
              f"{float(nearest.values[nearest.values < 3 * STD].pow(2).mean().div(2).sqrt()):.4f} (exact 0.0487 within 3 std)")


if __name__ == "__main__":
    main()
