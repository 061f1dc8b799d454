#!/usr/bin/python3
"""Trains the SN-DPM and NPR-DPM second heads on a frozen bundled eps-network (resumable): the unconditional
`models/fashion-mnist-uncond` (default) or, with --conditional, the class-conditional `models/fashion-mnist`.

Bao et al. 2022b, "Estimating the Optimal Covariance with Imperfect Mean in Diffusion Probabilistic Models": a
second head on the last layer of a pretrained noise-prediction network predicts, per pixel,
  eps2 = E[eps^2 | x_n]              (SN-DPM,  official pred_eps_eps2_pretrained, loss |eps^2 - eps2|^2)
  epsc = E[(eps - eps_theta)^2 | x_n] (NPR-DPM, official pred_eps_epsc_pretrained, loss |(eps - eps_theta)^2 - epsc|^2)
As in the paper, only the head learns: the U-Net is loaded from models/fashion-mnist-uncond/model.pt and frozen, and the
head (a GroupNorm, SiLU and 3x3 conv from the U-Net's last 28x28 features, the official "simple" mode: norm_out2 +
conv_out2) has one output channel per head. Both heads are trained at once (the losses add; the frozen eps is
unchanged, so the network's first output stays bit-for-bit the bundled one's up to TorchScript rounding).

Export: TorchScript forward(x [B,1,28,28], t [B] = n-1) -> (eps, eps2, epsc) and a model.json with
"outputs": ["eps", "eps2", "epsc"] into --out (default training/work/fashion-mnist-heads), which ./dpm serves
with the sn-*/npr-* samplers (docs/models.md). Example (from the repository root, one CPU thread):
  nice -n 10 /usr/bin/python3 training/train_heads.py --resume --until-iterations 20000 --export-every 2000

Conditional (--conditional: --base models/fashion-mnist, checkpoint training/checkpoints/fashion-cond-heads.pt,
export training/exports/fashion-mnist-cond-heads): the frozen network is forward(x, t, y int64) with null label K; each
training label is replaced by the null label with probability --label-dropout (0.1, as the network itself was
trained), so the heads estimate the moments given the label and, on the null rows, the unconditional ones. The export
is forward(x, t, y: Optional = None) -> (eps, eps2, epsc) with the base manifest's "conditioning" block, and it is
checked at export time that its eps is bit-identical (torch.equal) to the frozen network's on a batch that includes
the null label and y omitted. Example (one CPU thread, detached):
  OMP_NUM_THREADS=1 setsid nohup nice -n 19 /usr/bin/python3 training/train_heads.py --conditional --resume \
      --threads 1 --until-iterations 20000 --export-every 500 > training/work/cond-heads.log 2>&1 < /dev/null &

Deterministic from --seed for a given sequence of (start, stop) points: data order and noise come from one
torch.Generator whose state is in the checkpoint (training/checkpoints/fashion-heads.pt). SIGTERM/SIGINT stop
after the current iteration and save the checkpoint.
"""
import argparse
import json
import os
import signal
import sys
import time
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (LinearSchedule, count_params, fashion_mnist, git_commit_hash, sha256_of,  # noqa: E402
                    timestep_embedding, to_unit_range, write_json)
from unet import ConditionalUNet, UNet, _groups  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_DIR = os.path.join(ROOT, "models", "fashion-mnist-uncond")
CKPT = os.path.join(ROOT, "training", "checkpoints", "fashion-heads.pt")
OUT = os.path.join(ROOT, "training", "work", "fashion-mnist-heads")
COND_BASE_DIR = os.path.join(ROOT, "models", "fashion-mnist")
COND_CKPT = os.path.join(ROOT, "training", "checkpoints", "fashion-cond-heads.pt")
COND_OUT = os.path.join(ROOT, "training", "exports", "fashion-mnist-cond-heads")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=100, help="linear LR warm-up iterations")
    p.add_argument("--channels", type=str, default=None,
                   help="the frozen U-Net's channels (default: read from its weights)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--conditional", action="store_true",
                   help="the class-conditional base (defaults of --base, --checkpoint, --out change to the cond ones)")
    p.add_argument("--label-dropout", type=float, default=0.1, help="conditional: P(label -> null label)")
    p.add_argument("--base", type=str, default=None, help="folder of the frozen eps-network (model.json)")
    p.add_argument("--checkpoint", type=str, default=None)
    p.add_argument("--out", type=str, default=None, help="export folder (model.pt + model.json)")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--until-iterations", type=int, default=10000, help="stop after this many iterations in total")
    p.add_argument("--export-every", type=int, default=2000)
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--data-dir", type=str, default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    a.base = a.base or (COND_BASE_DIR if a.conditional else BASE_DIR)
    a.checkpoint = a.checkpoint or (COND_CKPT if a.conditional else CKPT)
    a.out = a.out or (COND_OUT if a.conditional else OUT)
    return a


class HeadedUNet(nn.Module):
    """The frozen U-Net plus a trainable second head on its last features: forward -> (eps, eps2, epsc)."""

    def __init__(self, base: UNet, ch1: int):
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.norm_out2 = nn.GroupNorm(_groups(ch1), ch1)
        self.conv_out2 = nn.Conv2d(ch1, 2, 3, padding=1)  # channel 0: eps2, channel 1: epsc
        nn.init.zeros_(self.conv_out2.weight)
        with torch.no_grad():
            self.conv_out2.bias.copy_(torch.tensor([1.0, 0.1]))  # E[eps^2] = 1 a priori; a small residual

    def features(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """UNet.body up to (not including) the output layer: [B, ch1, 28, 28]."""
        return self.body_features(x, self.base.temb_mlp(timestep_embedding(t, self.base.tdim)))

    def body_features(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """The same operations in the same order as UNet.body, without its output layer."""
        b = self.base
        h0 = b.inc(x)
        h1 = b.d1(h0, emb)
        h2 = b.d2(b.down1(h1), emb)
        h3 = b.d3a(b.d3(b.down2(h2), emb))
        h = b.m2(b.ma(b.m1(h3, emb)), emb)
        h = b.u3a(b.u3(torch.cat([h, h3], dim=1), emb))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = b.u2(torch.cat([h, h2], dim=1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        return b.u1(torch.cat([h, h1], dim=1), emb)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.features(x, t)
        eps = self.base.out(F.silu(self.base.out_norm(h)))
        heads = self.conv_out2(F.silu(self.norm_out2(h)))
        return eps, heads[:, 0:1], heads[:, 1:2]

    def head_parameters(self):
        return list(self.norm_out2.parameters()) + list(self.conv_out2.parameters())


class ConditionalHeadedUNet(HeadedUNet):
    """The frozen ConditionalUNet plus the heads: forward(x, t, y: Optional = None) -> (eps, eps2, epsc); y = None
    means the null label, as in the base network."""

    def __init__(self, base: ConditionalUNet, ch1: int):
        super().__init__(base, ch1)
        self.num_classes = base.num_classes

    def forward(self, x: torch.Tensor, t: torch.Tensor,
                y: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if y is None:
            y = torch.full([x.shape[0]], self.num_classes, dtype=torch.long, device=x.device)
        b = self.base
        emb = b.temb_mlp(timestep_embedding(t, b.tdim)) + b.label_emb(y)  # as ConditionalUNet.forward
        h = self.body_features(x, emb)
        eps = b.out(F.silu(b.out_norm(h)))
        heads = self.conv_out2(F.silu(self.norm_out2(h)))
        return eps, heads[:, 0:1], heads[:, 1:2]


def channels_of(sd) -> Tuple[int, int, int, int]:
    """(ch1, ch2, ch3, temb) of a UNet state dict."""
    return (sd["inc.weight"].shape[0], sd["d2.conv1.weight"].shape[0], sd["d3.conv1.weight"].shape[0],
            sd["temb_mlp.0.weight"].shape[0])


def load_base(folder: str, channels) -> Tuple[UNet, dict, torch.jit.ScriptModule]:
    """The bundled eps-network as an eager (Conditional)UNet (weights from its TorchScript file), checked against the
    file; also returns the TorchScript module itself (the reference of the export's eps check)."""
    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)
    path = os.path.join(folder, manifest["file"])
    if sha256_of(path) != manifest["sha256"]:
        raise SystemExit(f"{path}: sha256 differs from its manifest")
    ts = torch.jit.load(path, map_location="cpu").eval()
    sd = ts.state_dict()
    c1, c2, c3, temb = channels_of(sd)
    if channels is not None and list(channels) != [c1, c2, c3]:
        raise SystemExit(f"--channels {channels} but the network has {c1},{c2},{c3}")
    cond = manifest.get("conditioning")
    base = UNet(c1, c2, c3, temb) if cond is None else ConditionalUNet(c1, c2, c3, temb,
                                                                       num_classes=len(cond["classes"]))
    base.load_state_dict(sd)
    base.eval()
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([0.0, 400.0, 999.0])
    with torch.no_grad():
        if cond is None:
            same = torch.allclose(base(x, t), ts(x, t), atol=1e-5, rtol=1e-4)
        else:
            y = torch.tensor([0, 7, int(cond["nullLabel"])])
            same = torch.allclose(base(x, t, y), ts(x, t, y), atol=1e-5, rtol=1e-4)
    if not same:
        raise SystemExit("the eager U-Net does not reproduce the bundled TorchScript network")
    return base, manifest, ts


def losses(model: HeadedUNet, sched: LinearSchedule, x0, gen, y=None):
    """Mean-square losses of both heads on one batch (the eps-network is frozen, so eps_theta is fixed); y: the
    (already dropped-out) labels of a conditional model, else None."""
    n = sched.sample_n(x0.shape[0], gen)
    eps = torch.randn(x0.shape, generator=gen)
    xn = sched.q_sample(x0, n, eps)
    if y is None:
        eps_pred, eps2, epsc = model(xn, sched.net_time(n))
    else:
        eps_pred, eps2, epsc = model(xn, sched.net_time(n), y)
    sn = (eps.pow(2) - eps2).pow(2).mean()
    npr = ((eps - eps_pred).detach().pow(2) - epsc).pow(2).mean()
    return sn, npr


def save_checkpoint(path, it, model, opt, gen, seconds, args, base_sha):
    ck = {"iteration": it, "head": {k: v for k, v in model.state_dict().items() if not k.startswith("base.")},
          "opt": opt.state_dict(), "gen": gen.get_state(), "seconds": seconds, "seed": args.seed,
          "batch": args.batch, "base_sha256": base_sha}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(ck, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, model, opt, gen, base_sha):
    ck = torch.load(path, map_location="cpu")
    if ck["base_sha256"] != base_sha:
        raise SystemExit(f"{path} was trained on another eps-network ({ck['base_sha256']})")
    missing, unexpected = model.load_state_dict(ck["head"], strict=False)
    if unexpected or any(not k.startswith("base.") for k in missing):
        raise SystemExit(f"{path}: head weights do not fit ({missing}, {unexpected})")
    opt.load_state_dict(ck["opt"])
    gen.set_state(ck["gen"])
    return ck["iteration"], ck["seconds"]


def eps_check(scripted, base_ts, base_manifest):
    """Compares the export's eps output with the frozen network's (torch.equal, bit for bit) on 24 rows: the
    timesteps 0..999 spread over the rows and, for a conditional model, every label, the null label, and y omitted.
    Returns the provenance string; raises if any output differs."""
    g = torch.Generator().manual_seed(3)
    x = torch.randn(24, 1, 28, 28, generator=g)
    t = torch.linspace(0.0, 999.0, 24).round()
    cond = base_manifest.get("conditioning")
    with torch.no_grad():
        if cond is None:
            same = torch.equal(scripted(x, t)[0], base_ts(x, t))
            what = "24 rows, t = 0..999"
        else:
            k = len(cond["classes"])
            y = torch.arange(24) % (k + 1)  # 0..K, K = null, twice over
            same = torch.equal(scripted(x, t, y)[0], base_ts(x, t, y))
            same = same and torch.equal(scripted(x, t)[0], base_ts(x, t))  # y omitted = null label
            same = same and torch.equal(scripted(x, t)[0], base_ts(x, t, torch.full([24], k)))
            what = "24 rows, t = 0..999, labels 0..%d incl. the null label %d, and y omitted" % (k, k)
    if not same:
        raise RuntimeError("the export's eps output is not bit-identical to the frozen network's")
    return ("torch.equal(eps of this model.pt, %s model.pt sha256 %s) on %s: true (torch %s, %d thread(s))"
            % (base_manifest["name"], base_manifest["sha256"], what, torch.__version__, torch.get_num_threads()))


def export(model, it, seconds, args, base_manifest, base_ts, last):
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.pt")
    m = model.eval()
    cond = base_manifest.get("conditioning")
    x = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    t = torch.tensor([10.0, 700.0])
    inputs = (x, t) if cond is None else (x, t, torch.tensor([3, int(cond["nullLabel"])]))
    with torch.no_grad():
        ref = m(*inputs)
        ts = torch.jit.script(m)
        tmp = path + ".tmp"
        ts.save(tmp)
        loaded = torch.jit.load(tmp)
        out = loaded(*inputs)
    if len(out) != 3 or not all(torch.allclose(a, b, atol=1e-5, rtol=1e-4) for a, b in zip(out, ref)):
        raise RuntimeError("exported model does not reproduce the eager outputs")
    check = eps_check(loaded, base_ts, base_manifest)
    os.replace(tmp, path)
    model.train()
    model.base.eval()
    sha = sha256_of(path)
    manifest = {k: v for k, v in base_manifest.items() if k not in ("gamma", "training", "provenance")}
    base_rel = os.path.relpath(os.path.abspath(args.base), ROOT)
    command = ("training/train_heads.py%s --seed %d --batch %d --lr %s%s --threads %d --until-iterations %d"
               % (" --conditional" if cond is not None else "", args.seed, args.batch, args.lr,
                  " --label-dropout %s" % args.label_dropout if cond is not None else "", args.threads, it))
    objective = "mean (eps^2 - eps2)^2 + mean ((eps - eps_theta)^2 - epsc)^2, n uniform in 1..N"
    if cond is not None:
        objective += ("; labels from the data, each replaced by the null label %d with probability %s (so the "
                      "heads serve unconditional rows too)" % (cond["nullLabel"], args.label_dropout))
    manifest.update({
        "name": os.path.basename(os.path.normpath(args.out)),
        "description": base_manifest["description"] + "; with the SN-DPM (eps2) and NPR-DPM (epsc) heads",
        "sha256": sha,
        "outputs": ["eps", "eps2", "epsc"],
    })
    if os.path.exists(os.path.join(args.out, "gamma.json")):
        manifest["gamma"] = "gamma.json"
    manifest.update({
        "training": {
            "command": command,
            "iterations": it, "seconds": round(seconds, 1), "lastLosses": last, "batch": args.batch,
            "headParams": count_params(nn.ModuleList([model.norm_out2, model.conv_out2])),
            "frozen": "the eps-network " + base_manifest["sha256"] + " (" + base_rel + "), weights unchanged",
            "objective": objective,
            "framework": "torch %s, TorchScript via torch.jit.script, %d CPU thread(s)"
                         % (torch.__version__, torch.get_num_threads()),
        },
        "provenance": {"trainedBy": "training/train_heads.py", "gitCommit": git_commit_hash(),
                       "exportedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "epsBitIdentical": check},
    })
    write_json(os.path.join(args.out, "model.json"), manifest)
    return sha


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    channels = None if args.channels is None else [int(c) for c in args.channels.split(",")]
    base, base_manifest, base_ts = load_base(args.base, channels)
    cond = base_manifest.get("conditioning")
    if args.conditional != (cond is not None):
        raise SystemExit("--conditional must match the base's manifest (a \"conditioning\" block)")
    ch1 = channels_of(base.state_dict())[0]
    model = HeadedUNet(base, ch1) if cond is None else ConditionalHeadedUNet(base, ch1)
    opt = torch.optim.Adam(model.head_parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    sched = LinearSchedule(base_manifest["schedule"]["steps"])
    it, seconds = 0, 0.0
    if args.resume and os.path.exists(args.checkpoint):
        it, seconds = load_checkpoint(args.checkpoint, model, opt, gen, base_manifest["sha256"])
        print(f"resumed from {args.checkpoint} at iteration {it} ({seconds:.0f} s trained)", flush=True)
    print(f"heads: {count_params(nn.ModuleList([model.norm_out2, model.conv_out2]))} trainable parameters on the "
          f"frozen {base_manifest['name']} ({count_params(base)}); batch {args.batch}; threads "
          f"{torch.get_num_threads()}; target {args.until_iterations}", flush=True)
    imgs, labs = fashion_mnist("train", args.data_dir)
    data = to_unit_range(imgs)
    labels = torch.from_numpy(labs.astype("int64"))
    stop = {"flag": False}

    def on_term(signum, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    model.train()
    base.eval()  # frozen: no dropout
    acc, cnt, t_seg, t_last, last = [0.0, 0.0], 0, time.time(), time.time(), None
    exported_at = it
    while it < args.until_iterations and not stop["flag"]:
        idx = torch.randint(0, data.shape[0], (args.batch,), generator=gen)
        x0, y = data[idx], None
        if cond is not None:
            drop = torch.rand(args.batch, generator=gen) < args.label_dropout
            y = torch.where(drop, torch.full_like(labels[idx], int(cond["nullLabel"])), labels[idx])
        sn, npr = losses(model, sched, x0, gen, y)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (it + 1) / max(1, args.warmup))
        opt.zero_grad(set_to_none=True)
        (sn + npr).backward()
        torch.nn.utils.clip_grad_norm_(model.head_parameters(), 1.0)
        opt.step()
        it += 1
        acc[0] += sn.item()
        acc[1] += npr.item()
        cnt += 1
        if it % args.log_every == 0:
            now = time.time()
            seconds += now - t_seg
            t_seg = now
            last = {"sn": round(acc[0] / cnt, 5), "npr": round(acc[1] / cnt, 5)}
            print(f"it {it} loss sn {last['sn']:.4f} npr {last['npr']:.4f} it/s {cnt / (now - t_last):.3f} "
                  f"trained {seconds:.0f}s {time.strftime('%H:%M:%S')}", flush=True)
            acc, cnt, t_last = [0.0, 0.0], 0, now
        if it % args.checkpoint_every == 0:
            save_checkpoint(args.checkpoint, it, model, opt, gen, seconds + time.time() - t_seg, args,
                            base_manifest["sha256"])
        if it % args.export_every == 0:
            sha = export(model, it, seconds + time.time() - t_seg, args, base_manifest, base_ts, last)
            exported_at = it
            print(f"exported {args.out} at iteration {it} sha256 {sha}", flush=True)
    seconds += time.time() - t_seg
    save_checkpoint(args.checkpoint, it, model, opt, gen, seconds, args, base_manifest["sha256"])
    print(f"stopped at iteration {it}; checkpoint saved", flush=True)
    if it != exported_at and last is not None:
        sha = export(model, it, seconds, args, base_manifest, base_ts, last)
        print(f"exported {args.out} at iteration {it} sha256 {sha}", flush=True)


if __name__ == "__main__":
    main()
