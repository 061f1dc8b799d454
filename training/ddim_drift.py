"""Independent check of DDIM's drift with K on the bundled unconditional fashion-mnist-uncond U-Net, in PyTorch.

Runs the training script's own DDIM (eta = 0, x0 clipped) for 16 samples at K = 10, 100, 1000 and prints the
mean of the 3-pixel top/bottom border (Fashion-MNIST backgrounds are about -1). Used in BENCHMARKS.md to show that
DDIM's worsening FD with K is the network's, not the Java sampler's:

  /usr/bin/python3 training/ddim_drift.py
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_fashion_unet import LinearSchedule, ddim_sample  # noqa: E402

torch.set_num_threads(1)
model = torch.jit.load(os.path.join(HERE, "..", "models", "fashion-mnist-uncond", "model.pt")).eval()
sched = LinearSchedule(1000)
with torch.no_grad():
    for k in (10, 100, 1000):
        x = ddim_sample(model, sched, 16, k, seed=0)
        border = torch.cat([x[:, :, :3, :].flatten(1), x[:, :, -3:, :].flatten(1)], 1)
        print(f"DDIM K={k}: pixel mean {float(x.mean()):.3f}, border mean {float(border.mean()):.3f} (data: about -1)")
