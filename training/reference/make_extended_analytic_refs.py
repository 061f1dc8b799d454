#!/usr/bin/env python3
"""Reference per-step sigma^2 of SN-DPM and NPR-DPM, computed with the official code.

Bao et al. 2022b, "Estimating the Optimal Covariance with Imperfect Mean in Diffusion Probabilistic
Models" (github.com/baofff/Extended-Analytic-DPM). Run offline with Debian's python3-torch
(torch 1.13), giving the path of a checkout of that repository (nothing of it is copied into this
project; it is imported from the given path):

  /usr/bin/python3 training/reference/make_extended_analytic_refs.py /path/to/Extended-Analytic-DPM

For given head outputs (no network: a stub wrapper returns fixed arrays of type 'eps_eps2' (SN) or
'eps_epsc' (NPR)), the official core/diffusion/dtdpm.py DDPM and DDIM classes with clip_x0=True
(data in [-1, 1], so Cov[x0|xt] is clamped to [0, 1]) give, through predict_xprev_cov_xprev(xt, s, t,
'optimal'), the mean E[x_s|x_t] and sigma^2 per dimension of the step t -> s on the linear schedule
(NamedSchedule('linear', 1000)). Inputs are float32 values, computed in float64. Output:
core/src/test/resources/reference/extended-analytic.txt, lines
  case NAME s=S t=T eta=E / xt ... / eps ... / head ... / sigma2 ... / mean ... / end
with B x d values row-major (B = 2 rows of d = 6).
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "core", "src", "test", "resources", "reference", "extended-analytic.txt")
B, D = 2, 6
STEPS = [(0, 1), (1, 2), (9, 10), (1, 50), (100, 200), (450, 500), (900, 1000), (250, 1000)]
ETAS = [0.0, 0.5, 1.0]


class Stub:
    """The official wrapper's interface: typ and __call__(xt, t) -> (eps, second head)."""

    def __init__(self, typ, eps, head):
        self.typ = typ
        self.eps = eps
        self.head = head

    def __call__(self, xt, t):
        return self.eps, self.head


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def inputs(rng, typ):
    xt = f32(rng.standard_normal((B, D)))
    eps = f32(rng.standard_normal((B, D)))
    spread = np.abs(rng.standard_normal((B, D)))
    if typ == "eps_eps2":
        head = eps ** 2 + spread
        head[0, 0] = eps[0, 0] ** 2 - 0.3  # h - eps^2 < 0: clamped to 0
        head[1, 1] = eps[1, 1] ** 2 + 1e4  # huge: clamped to 1
    else:
        head = spread.copy()
        head[0, 0] = -0.3
        head[1, 1] = 1e4
    return xt, eps, f32(head)


def line(name, a):
    return name + " " + " ".join(repr(float(v)) for v in np.asarray(a).reshape(-1))


def main():
    sys.path.insert(0, sys.argv[1])
    from core.diffusion.dtdpm import DDPM, DDIM  # the official classes
    from core.diffusion.schedule import NamedSchedule

    schedule = NamedSchedule("linear", 1000)
    rng = np.random.default_rng(20221203)
    out = ["# made by training/reference/make_extended_analytic_refs.py with the official Extended-Analytic-DPM "
           "core/diffusion/dtdpm.py (torch " + torch.__version__ + ")",
           "# linear schedule N=1000, clip_x0=True (Cov[x0|xt] clamped to [0, 1]), B=%d rows of d=%d" % (B, D)]
    for typ, head_name in (("eps_eps2", "sn"), ("eps_epsc", "npr")):
        for form in ("ddpm", "ddim"):
            for s, t in STEPS:
                for eta in (ETAS if form == "ddim" else [None]):
                    xt, eps, head = inputs(rng, typ)
                    wrapper = Stub(typ, torch.tensor(eps), torch.tensor(head))
                    if form == "ddpm":
                        dpm = DDPM(wrapper, schedule, clip_x0=True)
                    else:
                        dpm = DDIM(wrapper, schedule, clip_x0=True, eta=eta)
                    mean, sigma2 = dpm.predict_xprev_cov_xprev(torch.tensor(xt), s, t, "optimal")
                    name = "%s-%s" % (head_name, form)
                    out.append("case %s s=%d t=%d eta=%s" % (name, s, t, repr(0.0 if eta is None else eta)))
                    out.append(line("xt", xt))
                    out.append(line("eps", eps))
                    out.append(line("head", head))
                    out.append(line("sigma2", sigma2.double().numpy()))
                    out.append(line("mean", mean.double().numpy()))
                    out.append("end")
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote", OUT, sum(1 for l in out if l.startswith("case")), "cases")


if __name__ == "__main__":
    main()
