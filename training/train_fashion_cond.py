#!/usr/bin/python3
"""Trains the class-conditional `fashion-mnist` U-Net eps-model (resumable) and exports TorchScript of the
EMA weights, for classifier-free guidance.

The network is `unet.ConditionalUNet`: forward(x [B,1,28,28] float32, t [B] float32 = n-1, y [B] int64) -> eps,
with y in {0..9} (the Fashion-MNIST classes) or 10 = the null label (unconditional). In training each label is
replaced by the null label with probability --label-dropout (0.1), so one network gives both eps(x, c) and
eps(x, null); guided sampling uses eps = eps(x, null) + w * (eps(x, c) - eps(x, null)).

Example (from the repository root, one CPU thread, detached, with OpenBLAS as in training/README.md):
  export LD_LIBRARY_PATH=$PWD/training/work/openblas/root/usr/lib/x86_64-linux-gnu/openblas-openmp
  OMP_NUM_THREADS=1 setsid nohup nice -n 19 /usr/bin/python3 training/train_fashion_cond.py --resume --threads 1 \
      --until-iterations 200000 --export-every 2000 > training/work/fashion-cond.log 2>&1 &

Deterministic from --seed for a given sequence of (start, stop) points: the data order, timesteps, noise and
label-dropout masks come from one torch.Generator whose state is saved in the checkpoint. (Bit-identity across a
resume also needs the same torch build and thread count, and is lost anyway because the Adam moments are stored in
bfloat16.)
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
from train_fashion_unet import save_grid  # noqa: E402
from unet import ConditionalUNet  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKPT = os.path.join(ROOT, "training", "checkpoints", "fashion-cond.pt")
WORK = os.path.join(ROOT, "training", "work")
MODEL_DIR = os.path.join(ROOT, "models", "fashion-mnist")

CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
NUM_CLASSES = len(CLASSES)
NULL_LABEL = NUM_CLASSES
DEFAULT_CHANNELS = "48,96,96"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--warmup", type=int, default=200, help="linear LR warm-up iterations")
    p.add_argument("--ema", type=float, default=0.9995)
    p.add_argument("--channels", type=str, default=None,
                   help="U-Net channels at 28/14/7 (default %s, or the checkpoint's on --resume)" % DEFAULT_CHANNELS)
    p.add_argument("--label-dropout", type=float, default=0.1, help="probability of replacing a label by null")
    p.add_argument("--guidance", type=float, default=3.0, help="guidance weight w of the export sample grid")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint (--checkpoint)")
    p.add_argument("--until-iterations", type=int, default=10000, help="stop after this many iterations in total")
    p.add_argument("--export-every", type=int, default=2000, help="export model.pt + manifest every k iterations")
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--data-dir", type=str, default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--checkpoint", type=str, default=CKPT, help="checkpoint path (smoke runs: a temp file)")
    p.add_argument("--model-dir", type=str, default=MODEL_DIR, help="export folder (smoke runs: a temp dir)")
    p.add_argument("--work-dir", type=str, default=WORK, help="folder of the sample grids")
    return p.parse_args()


def save_checkpoint(path, it, model, ema, opt, gen, seconds, args):
    """Model and EMA in float32, Adam moments in bfloat16 (keeps the file small)."""
    opt_state = opt.state_dict()
    small = {"param_groups": opt_state["param_groups"], "state": {}}
    for k, s in opt_state["state"].items():
        small["state"][k] = {"step": s["step"], "exp_avg": s["exp_avg"].to(torch.bfloat16),
                             "exp_avg_sq": s["exp_avg_sq"].to(torch.bfloat16)}
    ck = {"iteration": it, "model": model.state_dict(), "ema": ema.model.state_dict(), "opt": small,
          "gen": gen.get_state(), "seconds": seconds, "channels": args.channels, "seed": args.seed,
          "batch": args.batch, "ema_decay": args.ema, "num_classes": NUM_CLASSES,
          "label_dropout": args.label_dropout}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(ck, tmp)
    os.replace(tmp, path)


def load_checkpoint(ck, model, ema, opt, gen):
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
def ddim_cfg_sample(model, sched, labels, steps, w, seed):
    """Deterministic DDIM (eta = 0) on the even trajectory with classifier-free guidance
    eps = eps(x, null) + w * (eps(x, c) - eps(x, null)); both branches in one batch."""
    b = labels.shape[0]
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, 1, 28, 28, generator=g)
    y2 = torch.cat([labels.long(), torch.full((b,), NULL_LABEL, dtype=torch.long)])
    taus = np.round(np.linspace(1, sched.steps, steps)).astype(int)[::-1]
    ab = sched.alpha_bar
    for i, n in enumerate(taus):
        s = taus[i + 1] if i + 1 < len(taus) else 0
        t = torch.full((2 * b,), float(n - 1))
        e = model(torch.cat([x, x]), t, y2)
        e_c, e_u = e[:b], e[b:]
        eps = e_u + w * (e_c - e_u)
        a_n, a_s = float(ab[n]), float(ab[s])
        x0 = ((x - (1 - a_n) ** 0.5 * eps) / a_n ** 0.5).clamp(-1, 1)
        x = a_s ** 0.5 * x0 + (1 - a_s) ** 0.5 * eps if s > 0 else x0
    return x


def export(ema, it, seconds, args, n_params, git_commit):
    os.makedirs(args.model_dir, exist_ok=True)
    path = os.path.join(args.model_dir, "model.pt")
    ex = (torch.randn(4, 1, 28, 28), torch.tensor([0.0, 10.0, 500.0, 999.0]),
          torch.tensor([0, 5, 9, NULL_LABEL], dtype=torch.long))
    sha = export_torchscript(ema.model, path, ex)
    # the optional y: omitting it must equal passing the null label
    loaded = torch.jit.load(path)
    with torch.no_grad():
        a = loaded(ex[0], ex[1])
        b = loaded(ex[0], ex[1], torch.full((4,), NULL_LABEL, dtype=torch.long))
    if not torch.equal(a, b):
        raise RuntimeError("exported model: y=None differs from the null label")
    cmd = ("nice -n 19 /usr/bin/python3 training/train_fashion_cond.py --resume --seed %d --batch %d "
           "--channels %s --ema %s --label-dropout %s --threads %d --until-iterations %d --export-every %d"
           % (args.seed, args.batch, args.channels, args.ema, args.label_dropout, args.threads, it,
              args.export_every))
    training = {
        "command": cmd,
        "data": "Fashion-MNIST train split (60,000 images and labels, Debian package dataset-fashion-mnist, "
                "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz), uint8 scaled to [-1,1] as x/127.5-1, "
                "no augmentation",
        "iterations": it,
        "seed": args.seed,
        "params": n_params,
        "seconds": round(seconds, 1),
        "batch": args.batch,
        "labelDropout": args.label_dropout,
        "optimizer": "Adam lr %g (linear warm-up %d its), grad-norm clip 1.0" % (args.lr, args.warmup),
        "ema": args.ema,
        "architecture": "U-Net channels %s at 28/14/7, one GroupNorm residual block per level, self-attention "
                        "at 7x7, sinusoidal time embedding plus a learned label embedding (11 rows, 10 = null)"
                        % args.channels,
        "framework": "torch %s, TorchScript via torch.jit.script, %d CPU thread(s)" % (torch.__version__,
                                                                                      args.threads),
    }
    manifest = diffusion_manifest(
        name="fashion-mnist",
        description="Class-conditional small U-Net eps-model trained on Fashion-MNIST (28x28 grey, [-1,1]), "
                    "linear schedule N=1000; label 10 = null (classifier-free guidance)",
        sha=sha, sample_shape=[1, 28, 28], data_range=[-1, 1], eight_bit=True, training=training,
        provenance={"trainedBy": "training/train_fashion_cond.py", "gitCommit": git_commit,
                    "exportedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "dataset": "Fashion-MNIST, Xiao, Rasul & Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist"},
        licence="Weights: trained by this project from Fashion-MNIST (MIT License, Copyright (c) 2017 Zalando SE); "
                "released under the project's licence")
    # insert the conditioning block after timeInput/schedule (key order is cosmetic)
    out = {}
    for k, v in manifest.items():
        out[k] = v
        if k == "schedule":
            out["conditioning"] = {"type": "class-label", "input": "int64", "classes": CLASSES,
                                   "nullLabel": NULL_LABEL}
    write_json(os.path.join(args.model_dir, "model.json"), out)
    return sha


def export_and_grid(ema, sched, it, seconds, args, n_params, git_commit):
    sha = export(ema, it, seconds, args, n_params, git_commit)
    labels = torch.arange(NUM_CLASSES).repeat_interleave(8)  # one row of 8 per class
    x = ddim_cfg_sample(ema.model, sched, labels, 25, args.guidance, seed=1234)
    os.makedirs(args.work_dir, exist_ok=True)
    grid = os.path.join(args.work_dir, "cond-cfg%g-it%d.png" % (args.guidance, it))
    save_grid(x, grid, nrow=8)
    print(f"exported {os.path.join(args.model_dir, 'model.pt')} at iteration {it} sha256 {sha}; grid {grid}",
          flush=True)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    ck = None
    if args.resume and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint, map_location="cpu")
        if args.channels is not None and args.channels != ck["channels"]:
            raise SystemExit(f"--channels {args.channels} differs from the checkpoint's {ck['channels']}")
        args.channels = ck["channels"]
    if args.channels is None:
        args.channels = DEFAULT_CHANNELS
    ch = [int(c) for c in args.channels.split(",")]
    model = ConditionalUNet(*ch, num_classes=NUM_CLASSES)
    ema = EMA(model, args.ema)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    sched = LinearSchedule(1000)
    n_params = count_params(model)
    git_commit = git_commit_hash()  # the code this process runs (HEAD at start)
    it, seconds = 0, 0.0
    if ck is not None:
        it, seconds = load_checkpoint(ck, model, ema, opt, gen)
        print(f"resumed from {args.checkpoint} at iteration {it} ({seconds:.0f} s trained)", flush=True)
        del ck
    print(f"conditional U-Net {args.channels}: {n_params} parameters; batch {args.batch}; label dropout "
          f"{args.label_dropout}; threads {torch.get_num_threads()}; target {args.until_iterations}; "
          f"git {git_commit}", flush=True)

    imgs, labs = fashion_mnist("train", args.data_dir)
    data = to_unit_range(imgs)  # [60000,1,28,28]
    labels = torch.from_numpy(labs.astype(np.int64))
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
        x0, y = data[idx], labels[idx]
        drop = torch.rand(args.batch, generator=gen) < args.label_dropout
        y = torch.where(drop, torch.full_like(y, NULL_LABEL), y)
        n = sched.sample_n(args.batch, gen)
        eps = torch.randn(x0.shape, generator=gen)
        xn = sched.q_sample(x0, n, eps)
        loss = (model(xn, sched.net_time(n), y) - eps).pow(2).mean()
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
            save_checkpoint(args.checkpoint, it, model, ema, opt, gen, seconds + time.time() - t_seg, args)
        if it % args.export_every == 0:
            export_and_grid(ema, sched, it, seconds + time.time() - t_seg, args, n_params, git_commit)
    seconds += time.time() - t_seg
    save_checkpoint(args.checkpoint, it, model, ema, opt, gen, seconds, args)
    if it >= args.until_iterations and it % args.export_every != 0:
        export_and_grid(ema, sched, it, seconds, args, n_params, git_commit)
    print(f"stopped at iteration {it}; checkpoint saved to {args.checkpoint}", flush=True)


if __name__ == "__main__":
    main()
