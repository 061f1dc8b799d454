#!/usr/bin/python3
"""Trains the `fashion-features` CNN classifier on Fashion-MNIST and exports its penultimate features as TorchScript.

The exported module maps x [B,1,28,28] float32 in [-1,1] to features [B,128] (the post-ReLU activations of the
128-unit hidden layer before the classifier). A second TorchScript method `logits(x) -> [B,10]` is kept for checks.
The features serve a Frechet distance (FD), the Fashion-MNIST stand-in for FID.

  nice -n 10 /usr/bin/python3 training/train_features.py
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (count_params, export_torchscript, fashion_mnist, git_commit_hash, to_unit_range,  # noqa: E402
                    write_json)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "models", "fashion-features")


class FeatureNet(nn.Module):
    """conv32@28 -> pool -> conv64@14 -> pool -> conv64@7 -> FC128 (features) -> FC10 (logits)."""

    def __init__(self, feature_dim: int = 128, dropout: float = 0.3):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.b1 = nn.BatchNorm2d(32)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.b2 = nn.BatchNorm2d(64)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.b3 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64 * 7 * 7, feature_dim)
        self.drop = nn.Dropout(dropout)
        self.cls = nn.Linear(feature_dim, 10)

    def features(self, x):
        h = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)   # [B,32,14,14]
        h = F.max_pool2d(F.relu(self.b2(self.c2(h))), 2)   # [B,64,7,7]
        h = F.relu(self.b3(self.c3(h)))                    # [B,64,7,7]
        return F.relu(self.fc(h.flatten(1)))               # [B,128]

    def forward(self, x):
        return self.features(x)

    @torch.jit.export
    def logits(self, x):
        return self.cls(self.drop(self.features(x)))


def frechet_distance(f1, f2):
    """FD between Gaussian fits of two feature sets [n,d] (float64 numpy)."""
    m1, m2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    ev = np.linalg.eigvals(s1 @ s2)
    tr_sqrt = np.sqrt(np.clip(ev.real, 0, None)).sum()
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


@torch.no_grad()
def batched(fn, x, bs=1000):
    return torch.cat([fn(x[i:i + bs]) for i in range(0, x.shape[0], bs)])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-dir", type=str, default="/usr/share/datasets/fashion-mnist")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    xi, yi = fashion_mnist("train", args.data_dir)
    xt, yt = fashion_mnist("t10k", args.data_dir)
    x_train, y_train = to_unit_range(xi), torch.from_numpy(yi.astype(np.int64))
    x_test, y_test = to_unit_range(xt), torch.from_numpy(yt.astype(np.int64))

    model = FeatureNet()
    n_params = count_params(model)
    print(f"FeatureNet: {n_params} parameters", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = x_train.shape[0] // args.batch
    total = args.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total)
    t0 = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(x_train.shape[0], generator=gen)
        acc_loss = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch:(b + 1) * args.batch]
            xb, yb = x_train[idx], y_train[idx]
            flip = torch.rand(xb.shape[0], generator=gen) < 0.5     # horizontal-flip augmentation
            xb = torch.where(flip.view(-1, 1, 1, 1), xb.flip(3), xb)
            loss = F.cross_entropy(model.logits(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            acc_loss += loss.item()
            if step % 100 == 0:
                print(f"epoch {epoch} step {step}/{total} loss {acc_loss / 100:.4f} {time.time() - t0:.0f}s",
                      flush=True)
                acc_loss = 0.0
        model.eval()
        pred = batched(model.logits, x_test).argmax(1)
        acc = float((pred == y_test).float().mean())
        print(f"epoch {epoch}: test accuracy {acc:.4f}", flush=True)
    seconds = time.time() - t0

    model.eval()
    test_acc = float((batched(model.logits, x_test).argmax(1) == y_test).float().mean())
    f_test = batched(model, x_test).double().numpy()
    f_train = batched(model, x_train[:10000]).double().numpy()
    fd_train_test = frechet_distance(f_train, f_test)
    print(f"test accuracy {test_acc:.4f}; FD(train[:10000], test) = {fd_train_test:.4f}", flush=True)

    os.makedirs(MODEL_DIR, exist_ok=True)
    path = os.path.join(MODEL_DIR, "model.pt")
    sha = export_torchscript(model, path, (x_test[:4],))
    loaded = torch.jit.load(path)
    with torch.no_grad():
        acc_ts = float((batched(loaded.logits, x_test).argmax(1) == y_test).float().mean())
    assert abs(acc_ts - test_acc) < 1e-6, (acc_ts, test_acc)
    cmd = ("nice -n 10 /usr/bin/python3 training/train_features.py --seed %d --epochs %d --batch %d --lr %g"
           % (args.seed, args.epochs, args.batch, args.lr))
    manifest = {
        "name": "fashion-features",
        "description": "Fashion-MNIST CNN classifier; forward(x [B,1,28,28] in [-1,1]) returns its 128-d "
                       "penultimate (post-ReLU) features for a Frechet distance; method logits(x) -> [B,10]",
        "kind": "features",
        "file": "model.pt",
        "sha256": sha,
        "inputShape": [1, 28, 28],
        "featureDim": 128,
        "dataRange": [-1, 1],
        "testAccuracy": round(test_acc, 4),
        "fdTrainVsTest": round(fd_train_test, 4),
        "fdTrainVsTestNote": "FD between features of the first 10,000 training images and the 10,000 test images "
                             "(a floor for generated-vs-test FD at n = 10,000)",
        "licence": "Weights: trained by this project from Fashion-MNIST (MIT License, Copyright (c) 2017 Zalando SE); "
                   "released under the project's licence",
        "training": {
            "command": cmd,
            "data": "Fashion-MNIST train split (60,000 images, Debian package dataset-fashion-mnist), uint8 scaled "
                    "to [-1,1] as x/127.5-1, random horizontal flips; accuracy on the t10k split (10,000 images)",
            "epochs": args.epochs, "iterations": total, "seed": args.seed, "params": n_params,
            "seconds": round(seconds, 1), "batch": args.batch,
            "optimizer": "Adam, one-cycle LR max %g" % args.lr,
            "architecture": "conv3x3 32 + BN + ReLU + maxpool, conv3x3 64 + BN + ReLU + maxpool, conv3x3 64 + BN + "
                            "ReLU, FC 3136->128 + ReLU (features), dropout 0.3, FC 128->10",
            "framework": "torch %s, TorchScript via torch.jit.script, 1 CPU thread" % torch.__version__,
        },
        "provenance": {"trainedBy": "training/train_features.py", "gitCommit": git_commit_hash(),
                       "exportedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "dataset": "Fashion-MNIST, Xiao, Rasul & Vollgraf 2017, "
                                  "https://github.com/zalandoresearch/fashion-mnist"},
    }
    write_json(os.path.join(MODEL_DIR, "model.json"), manifest)
    print(f"exported {path} sha256 {sha}")


if __name__ == "__main__":
    main()
