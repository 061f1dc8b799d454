#!/usr/bin/python3
"""Trains the `fashion-mnist-uncond` U-Net eps-model (resumable) and exports TorchScript of the EMA weights.

Example (from the repository root, one CPU thread, in the background):
  nohup nice -n 10 /usr/bin/python3 training/train_fashion_unet.py --resume \
      --until-iterations 100000 --export-every 1500 > training/work/fashion-unet.log 2>&1 &

Deterministic from --seed for a given sequence of (start, stop) points: the data order and noise come from one
torch.Generator whose state is saved in the checkpoint. (Bit-identity across a resume also needs the same
torch build and thread count.)
"""
import argparse
import os
import signal
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (EMA, LinearSchedule, count_params, diffusion_manifest, export_torchscript,  # noqa: E402
                    fashion_mnist, git_commit_hash, to_unit_range, write_json)
from unet import UNet  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKPT = os.path.join(ROOT, "training", "checkpoints", "fashion-unet.pt")
WORK = os.path.join(ROOT, "training", "work")
MODEL_DIR = os.path.join(ROOT, "models", "fashion-mnist-uncond")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--warmup", type=int, default=200, help="linear LR warm-up iterations")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--channels", type=str, default="32,64,64")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from training/checkpoints/fashion-unet.pt")
    p.add_argument("--until-iterations", type=int, default=10000, help="stop after this many iterations in total")
    p.add_argument("--export-every", type=int, default=1500, help="export model.pt + manifest every k iterations")
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--data-dir", type=str, default="/usr/share/datasets/fashion-mnist")
    return p.parse_args()


def save_checkpoint(path, it, model, ema, opt, gen, seconds, args):
    """Model and EMA in float32, Adam moments in bfloat16 (keeps the file ~9 MB)."""
    opt_state = opt.state_dict()
    small = {"param_groups": opt_state["param_groups"], "state": {}}
    for k, s in opt_state["state"].items():
        small["state"][k] = {"step": s["step"], "exp_avg": s["exp_avg"].to(torch.bfloat16),
                             "exp_avg_sq": s["exp_avg_sq"].to(torch.bfloat16)}
    ck = {"iteration": it, "model": model.state_dict(), "ema": ema.model.state_dict(), "opt": small,
          "gen": gen.get_state(), "seconds": seconds, "channels": args.channels, "seed": args.seed,
          "batch": args.batch, "ema_decay": args.ema}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(ck, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, model, ema, opt, gen):
    ck = torch.load(path, map_location="cpu")
    model.load_state_dict(ck["model"])
    ema.model.load_state_dict(ck["ema"])
    st = ck["opt"]
    for k, s in st["state"].items():
        s["exp_avg"] = s["exp_avg"].float()
        s["exp_avg_sq"] = s["exp_avg_sq"].float()
    opt.load_state_dict(st)
    gen.set_state(ck["gen"])
    return ck["iteration"], ck["seconds"]


@torch.no_grad()
def ddim_sample(model, sched, n_img, steps, seed):
    """Deterministic DDIM (eta = 0) on the even trajectory, for quick visual checks."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_img, 1, 28, 28, generator=g)
    taus = np.round(np.linspace(1, sched.steps, steps)).astype(int)[::-1]
    ab = sched.alpha_bar
    for i, n in enumerate(taus):
        s = taus[i + 1] if i + 1 < len(taus) else 0
        t = torch.full((n_img,), float(n - 1))
        eps = model(x, t)
        a_n, a_s = float(ab[n]), float(ab[s])
        x0 = ((x - (1 - a_n) ** 0.5 * eps) / a_n ** 0.5).clamp(-1, 1)
        x = a_s ** 0.5 * x0 + (1 - a_s) ** 0.5 * eps if s > 0 else x0
    return x


def save_grid(x, path, nrow=8):
    """x [B,1,28,28] in [-1,1] -> PNG grid (uses torchvision-free writer via PIL if present, else PGM)."""
    b = x.shape[0]
    ncol = nrow
    nr = (b + ncol - 1) // ncol
    img = np.zeros((nr * 30, ncol * 30), dtype=np.uint8)
    arr = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    for i in range(b):
        r, c = divmod(i, ncol)
        img[r * 30 + 1:r * 30 + 29, c * 30 + 1:c * 30 + 29] = arr[i, 0]
    try:
        from PIL import Image
        Image.fromarray(img).resize((img.shape[1] * 3, img.shape[0] * 3), Image.NEAREST).save(path)
    except ImportError:
        with open(os.path.splitext(path)[0] + ".pgm", "wb") as f:
            f.write(b"P5 %d %d 255\n" % (img.shape[1], img.shape[0]))
            f.write(img.tobytes())


def export(ema, it, seconds, args, n_params):
    path = os.path.join(MODEL_DIR, "model.pt")
    ex = (torch.randn(4, 1, 28, 28), torch.tensor([0.0, 10.0, 500.0, 999.0]))
    sha = export_torchscript(ema.model, path, ex)
    cmd = ("nice -n 10 /usr/bin/python3 training/train_fashion_unet.py --resume --seed %d --batch %d "
           "--channels %s --ema %s --until-iterations %d --export-every %d"
           % (args.seed, args.batch, args.channels, args.ema, it, args.export_every))
    training = {
        "command": cmd,
        "data": "Fashion-MNIST train split (60,000 images, Debian package dataset-fashion-mnist, "
                "train-images-idx3-ubyte.gz), uint8 scaled to [-1,1] as x/127.5-1, no augmentation",
        "iterations": it,
        "seed": args.seed,
        "params": n_params,
        "seconds": round(seconds, 1),
        "batch": args.batch,
        "optimizer": "Adam lr %g (linear warm-up %d its), grad-norm clip 1.0" % (args.lr, args.warmup),
        "ema": args.ema,
        "architecture": "U-Net channels %s at 28/14/7, one GroupNorm residual block per level, self-attention "
                        "at 7x7, sinusoidal time embedding" % args.channels,
        "framework": "torch %s, TorchScript via torch.jit.script, 1 CPU thread" % torch.__version__,
    }
    manifest = diffusion_manifest(
        name="fashion-mnist-uncond",
        description="Small U-Net eps-model trained on Fashion-MNIST (28x28 grey, [-1,1]), linear schedule N=1000",
        sha=sha, sample_shape=[1, 28, 28], data_range=[-1, 1], eight_bit=True, training=training,
        provenance={"trainedBy": "training/train_fashion_unet.py", "gitCommit": git_commit_hash(),
                    "exportedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "dataset": "Fashion-MNIST, Xiao, Rasul & Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist"},
        licence="Weights: trained by this project from Fashion-MNIST (MIT License, Copyright (c) 2017 Zalando SE); "
                "released under the project's licence")
    write_json(os.path.join(MODEL_DIR, "model.json"), manifest)
    return sha


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(WORK, exist_ok=True)
    ch = [int(c) for c in args.channels.split(",")]
    model = UNet(*ch)
    ema = EMA(model, args.ema)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    sched = LinearSchedule(1000)
    n_params = count_params(model)
    it, seconds = 0, 0.0
    if args.resume and os.path.exists(CKPT):
        it, seconds = load_checkpoint(CKPT, model, ema, opt, gen)
        print(f"resumed from {CKPT} at iteration {it} ({seconds:.0f} s trained)", flush=True)
    print(f"U-Net {args.channels}: {n_params} parameters; batch {args.batch}; target {args.until_iterations}",
          flush=True)

    imgs, _ = fashion_mnist("train", args.data_dir)
    data = to_unit_range(imgs)  # [60000,1,28,28]
    n_data = data.shape[0]

    stop = {"flag": False}

    def on_term(signum, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    model.train()
    t_last, loss_acc, loss_cnt = time.time(), 0.0, 0
    t_seg = time.time()
    while it < args.until_iterations and not stop["flag"]:
        idx = torch.randint(0, n_data, (args.batch,), generator=gen)
        x0 = data[idx]
        n = sched.sample_n(args.batch, gen)
        eps = torch.randn(x0.shape, generator=gen)
        xn = sched.q_sample(x0, n, eps)
        loss = (model(xn, sched.net_time(n)) - eps).pow(2).mean()
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (it + 1) / max(1, args.warmup))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        it += 1
        ema.update(model, decay=min(args.ema, (1.0 + it) / (10.0 + it)))
        loss_acc += loss.item()
        loss_cnt += 1
        if it % args.log_every == 0:
            now = time.time()
            seconds += now - t_seg
            t_seg = now
            print(f"it {it} loss {loss_acc / loss_cnt:.4f} it/s {loss_cnt / (now - t_last):.3f} "
                  f"trained {seconds:.0f}s {time.strftime('%H:%M:%S')}", flush=True)
            t_last, loss_acc, loss_cnt = now, 0.0, 0
        if it % args.checkpoint_every == 0:
            save_checkpoint(CKPT, it, model, ema, opt, gen, seconds + time.time() - t_seg, args)
        if it % args.export_every == 0:
            sha = export(ema, it, seconds + time.time() - t_seg, args, n_params)
            x = ddim_sample(ema.model, sched, 64, 50, seed=1234)
            save_grid(x, os.path.join(WORK, f"fashion-ddim50-it{it}.png"))
            print(f"exported model.pt at iteration {it} sha256 {sha}", flush=True)
    seconds += time.time() - t_seg
    save_checkpoint(CKPT, it, model, ema, opt, gen, seconds, args)
    if it >= args.until_iterations and it % args.export_every != 0:
        export(ema, it, seconds, args, n_params)
    print(f"stopped at iteration {it}; checkpoint saved", flush=True)


if __name__ == "__main__":
    main()
