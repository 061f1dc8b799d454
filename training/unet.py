"""A small U-Net eps-model for 28x28 single-channel images (TorchScript-scriptable).

Resolutions 28 -> 14 -> 7; one residual block (GroupNorm, SiLU, time-embedding shift) per level on the way
down and up, self-attention at 7x7 (down, middle, up), nearest-neighbour upsampling, strided-conv downsampling.
forward(x [B,1,28,28] float32, t [B] float32 network time) -> eps [B,1,28,28].

Class-conditional variant: `ConditionalUNet(..., num_classes=K)` (or `UNet(..., num_classes=K)` through
`make_unet`) adds a label embedding nn.Embedding(K+1, temb) to the time embedding; index K is the null label
(classifier-free guidance: unconditional rows). Its forward is
forward(x [B,1,28,28] float32, t [B] float32, y [B] int64 in {0..K}) -> eps [B,1,28,28]; y may be omitted
(None), which means the null label for every row. The unconditional model's forward and state-dict keys are
unchanged (it has no label_emb).
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import timestep_embedding


def _groups(ch: int) -> int:
    for g in (8, 4, 2, 1):
        if ch % g == 0:
            return g
    return 1


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(_groups(cout), cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(emb).unsqueeze(-1).unsqueeze(-1)
        h = self.conv2(self.drop(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    """Single-head self-attention over all spatial positions."""

    def __init__(self, ch: int):
        super().__init__()
        self.norm = nn.GroupNorm(_groups(ch), ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)
        self.scale = 1.0 / math.sqrt(ch)

    def forward(self, x):
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(b, 3, c, h * w)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # [B,C,L]
        a = torch.softmax(torch.bmm(q.transpose(1, 2), k) * self.scale, dim=-1)  # [B,L,L]
        o = torch.bmm(v, a.transpose(1, 2))  # [B,C,L]
        return x + self.proj(o.reshape(b, c, h, w))


class UNet(nn.Module):
    def __init__(self, ch1: int = 32, ch2: int = 64, ch3: int = 64, temb: int = 128, dropout: float = 0.0,
                 num_classes: Optional[int] = None):
        super().__init__()
        self.tdim = ch1
        self.temb_mlp = nn.Sequential(nn.Linear(ch1, temb), nn.SiLU(), nn.Linear(temb, temb))
        # Label embedding only for the conditional model (keeps the unconditional state-dict keys unchanged).
        self.num_classes = -1 if num_classes is None else int(num_classes)
        if num_classes is not None:
            self.label_emb = nn.Embedding(num_classes + 1, temb)  # index num_classes = null label
        self.inc = nn.Conv2d(1, ch1, 3, padding=1)
        self.d1 = ResBlock(ch1, ch1, temb, dropout)                     # 28
        self.down1 = nn.Conv2d(ch1, ch1, 3, stride=2, padding=1)        # -> 14
        self.d2 = ResBlock(ch1, ch2, temb, dropout)                     # 14
        self.down2 = nn.Conv2d(ch2, ch2, 3, stride=2, padding=1)        # -> 7
        self.d3 = ResBlock(ch2, ch3, temb, dropout)                     # 7
        self.d3a = Attention(ch3)
        self.m1 = ResBlock(ch3, ch3, temb, dropout)
        self.ma = Attention(ch3)
        self.m2 = ResBlock(ch3, ch3, temb, dropout)
        self.u3 = ResBlock(ch3 + ch3, ch3, temb, dropout)               # 7
        self.u3a = Attention(ch3)
        self.u2 = ResBlock(ch3 + ch2, ch2, temb, dropout)               # 14
        self.u1 = ResBlock(ch2 + ch1, ch1, temb, dropout)               # 28
        self.out_norm = nn.GroupNorm(_groups(ch1), ch1)
        self.out = nn.Conv2d(ch1, 1, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, t):
        return self.body(x, self.temb_mlp(timestep_embedding(t, self.tdim)))

    def body(self, x, emb):
        """The U-Net proper, given the [B, temb] conditioning embedding."""
        h0 = self.inc(x)
        h1 = self.d1(h0, emb)                                    # [B,c1,28,28]
        h2 = self.d2(self.down1(h1), emb)                        # [B,c2,14,14]
        h3 = self.d3a(self.d3(self.down2(h2), emb))              # [B,c3,7,7]
        h = self.m2(self.ma(self.m1(h3, emb)), emb)
        h = self.u3a(self.u3(torch.cat([h, h3], dim=1), emb))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # 14
        h = self.u2(torch.cat([h, h2], dim=1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # 28
        h = self.u1(torch.cat([h, h1], dim=1), emb)
        return self.out(F.silu(self.out_norm(h)))


class ConditionalUNet(UNet):
    """Class-conditional U-Net: label embedding (num_classes + 1 rows, the last = null label) added to the time
    embedding. forward(x [B,1,28,28] float32, t [B] float32 (n-1), y [B] int64) -> eps [B,1,28,28];
    y = None means the null label (unconditional) for every row."""

    def __init__(self, ch1: int = 32, ch2: int = 64, ch3: int = 64, temb: int = 128, dropout: float = 0.0,
                 num_classes: int = 10):
        super().__init__(ch1, ch2, ch3, temb, dropout, num_classes=num_classes)

    def forward(self, x, t, y: Optional[torch.Tensor] = None):
        if y is None:
            y = torch.full([x.shape[0]], self.num_classes, dtype=torch.long, device=x.device)
        emb = self.temb_mlp(timestep_embedding(t, self.tdim)) + self.label_emb(y)
        return self.body(x, emb)


def make_unet(ch1: int = 32, ch2: int = 64, ch3: int = 64, temb: int = 128, dropout: float = 0.0,
              num_classes: Optional[int] = None) -> UNet:
    """UNet when num_classes is None, else ConditionalUNet (forward takes the label y)."""
    if num_classes is None:
        return UNet(ch1, ch2, ch3, temb, dropout)
    return ConditionalUNet(ch1, ch2, ch3, temb, dropout, num_classes=num_classes)
