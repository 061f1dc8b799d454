#!/usr/bin/env python3
"""Export an unconditional diffusers UNet2DModel as TorchScript for DPM Server, next to its
scheduler_config.json, ready for `./dpm import`.

UNTESTED in this repository: diffusers is not installed on the machine where the project is built
(Debian's python3-torch 1.13 only). The script relies on documented diffusers API only
(UNet2DModel.from_pretrained, UNet2DModel.forward(sample, timestep, return_dict=False),
ConfigMixin.load_config) and checks its own output before it writes anything: the traced module
must reproduce the eager model on a batch size and timesteps it was not traced with.

    pip install diffusers torch            # any recent diffusers (>= 0.20) and torch (>= 1.13)
    python3 training/export_diffusers_unet.py --pretrained google/ddpm-cifar10-32 --out cifar10-src
    ./dpm import cifar10-src --out models/cifar10 --eight-bit

--pretrained is a Hub id or a local folder: a pipeline folder (unet/ and scheduler/ sub-folders)
or a bare model folder (config.json, scheduler_config.json and the weights side by side).

The contract (docs/models.md): forward(x float32 [B, C, H, W], t [B]) -> float32 [B, C, H, W],
with t diffusers' 0-based timestep n - 1 (timeInput "index-minus-one"). The UNet's sinusoidal
time projection accepts float32 as well as int64 t; float32 is traced by default (--time-dtype).
Writes OUT/unet.pt, OUT/scheduler_config.json (the scheduler's, verbatim except as noted below)
and OUT/config.json (the UNet's, from which `./dpm import` takes in_channels and sample_size).

Refused: class-conditional UNets (num_class_embeds), Fourier time embeddings (score-SDE models
trained on sigma, not on t). A UNet that also outputs variances (out_channels = 2 * in_channels,
variance_type learned/learned_range) is exported with its first in_channels outputs (the epsilon
part) and the written config says variance_type fixed_small: the samplers here choose variances
themselves (Analytic-DPM estimates them from epsilon alone).
"""
import argparse
import json
import os
import sys

import torch


class EpsNet(torch.nn.Module):
    """forward(x [B, C, H, W], t [B]) -> the UNet's prediction, [B, C, H, W]."""

    def __init__(self, unet, channels: int):
        super().__init__()
        self.unet = unet
        self.channels = channels

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        out = self.unet(x, t, return_dict=False)[0]
        return out[:, : self.channels]


def load_unet(src):
    from diffusers import UNet2DModel

    for sub in ("unet", None):
        try:
            return UNet2DModel.from_pretrained(src, subfolder=sub) if sub else UNet2DModel.from_pretrained(src)
        except (OSError, EnvironmentError, ValueError):
            continue
    sys.exit("no UNet2DModel found in %s (looked in unet/ and the folder itself)" % src)


def load_scheduler_config(src, explicit):
    if explicit:
        with open(explicit) as f:
            return json.load(f)
    from diffusers import DDPMScheduler

    for sub in ("scheduler", None):
        try:
            cfg = DDPMScheduler.load_config(src, subfolder=sub) if sub else DDPMScheduler.load_config(src)
            return dict(cfg)
        except (OSError, EnvironmentError, ValueError):
            continue
    sys.exit("no scheduler_config.json found in %s (scheduler/ or the folder itself); give --scheduler FILE" % src)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pretrained", required=True, help="Hub id or local folder of a diffusers UNet2DModel")
    ap.add_argument("--scheduler", help="scheduler_config.json to use instead of the one next to the UNet")
    ap.add_argument("--out", required=True, help="folder to write unet.pt, scheduler_config.json, config.json")
    ap.add_argument("--time-dtype", choices=["float32", "int64"], default="float32")
    ap.add_argument("--trace-batch", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="where to trace (the file loads on any device)")
    args = ap.parse_args()

    unet = load_unet(args.pretrained).eval().to(args.device)
    c = unet.config
    if getattr(c, "num_class_embeds", None):
        sys.exit("class-conditional UNet (num_class_embeds=%s): not supported" % c.num_class_embeds)
    if getattr(c, "time_embedding_type", "positional") == "fourier":
        sys.exit("Fourier time embedding (a score-SDE model on sigma): not supported")
    channels = c.in_channels
    size = c.sample_size if isinstance(c.sample_size, (list, tuple)) else (c.sample_size, c.sample_size)
    sched = load_scheduler_config(args.pretrained, args.scheduler)
    n = int(sched.get("num_train_timesteps", 1000))
    if c.out_channels == 2 * channels:
        print("the UNet outputs %d channels (epsilon and variance): exporting the first %d (epsilon)"
              % (c.out_channels, channels))
        sched["variance_type"] = "fixed_small"
    elif c.out_channels != channels:
        sys.exit("out_channels %d differs from in_channels %d: not an epsilon/x0/v network" % (c.out_channels, channels))

    net = EpsNet(unet, channels).eval()
    dtype = torch.float32 if args.time_dtype == "float32" else torch.int64
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.trace_batch, channels, size[0], size[1], generator=gen).to(args.device)
    t = torch.tensor([n - 1, n // 3][: args.trace_batch] + [0] * max(0, args.trace_batch - 2), dtype=dtype).to(args.device)
    with torch.no_grad():
        traced = torch.jit.trace(net, (x, t), check_trace=False)
        # the check: another batch size and other timesteps than the trace saw
        x2 = torch.randn(3, channels, size[0], size[1], generator=gen).to(args.device)
        t2 = torch.tensor([0, n // 2, n - 1], dtype=dtype).to(args.device)
        want, got = net(x2, t2), traced(x2, t2)
    if got.shape != x2.shape:
        sys.exit("the traced module returns %s for input %s" % (tuple(got.shape), tuple(x2.shape)))
    err = (want - got).abs().max().item()
    scale = want.abs().max().item()
    if not err <= 1e-4 * max(1.0, scale):
        sys.exit("the traced module differs from the eager one by %.3g on batch 3 (scale %.3g):"
                 " the trace baked in a shape or timestep" % (err, scale))
    os.makedirs(args.out, exist_ok=True)
    traced = traced.cpu() if args.device != "cpu" else traced
    torch.jit.save(traced, os.path.join(args.out, "unet.pt"))
    with open(os.path.join(args.out, "scheduler_config.json"), "w") as f:
        json.dump(sched, f, indent=2)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(dict(c), f, indent=2, default=str)
    print("wrote %s/unet.pt (x [B, %d, %d, %d], t %s [B] = n - 1; traced vs eager max |diff| %.2g),"
          " scheduler_config.json (%s, prediction_type %s), config.json"
          % (args.out, channels, size[0], size[1], args.time_dtype, err,
             sched.get("beta_schedule", "linear"), sched.get("prediction_type", "epsilon")))
    print("next: ./dpm import %s --out models/<name>%s" % (args.out, " --eight-bit" if channels in (1, 3) else ""))


if __name__ == "__main__":
    main()
