#!/usr/bin/env python3
"""Reference arrays for the continuous samplers, computed with the peers' own code.

Run offline with Debian's python3-torch (torch 1.13), giving the paths of the fetched checkouts
(nothing of theirs is copied into this project):

  /usr/bin/python3 training/reference/make_sampler_refs.py \
      --k-diffusion /path/to/crowsonkb/k-diffusion --diffusers /path/to/huggingface/diffusers

The model is the exact denoiser of data N(0, s^2 I) (s^2 = 0.25), in k-diffusion's scaled
variables x~ = x/alpha, sigma~ = sigma/alpha:  D(x~, sigma~) = s^2/(s^2 + sigma~^2) x~, i.e.
eps*(x, t) = sigma x/(alpha^2 s^2 + sigma^2), the closed form the Java test's GaussianOracle uses.
The schedule is the linear DDPM one (beta = linspace(1e-4, 0.02, 1000)) with log alpha-bar
interpolated linearly in t (VpSde.matched), or score_sde's linear VP-SDE (VpSde.linear).

Each case runs the peer's sampler from the same x_T on the grid sigma~(t_0..t_K) (t_0 = 1,
t_K = eps = 1e-3; a trailing 0 when the Java run denoises) with the same noise draws: the Gaussian
draws of dev.dpm.core.noise.NoiseSource (ported below; the Java test checks its own stream
against them). Output: core/src/test/resources/reference/samplers.txt, lines
  case NAME / settings k=v ... / sigmas ... / latent i ... / noise i draw ... / sample i ... / end
"""
import argparse
import importlib.util
import inspect
import math
import os
import sys
import types
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "core", "src", "test", "resources", "reference", "samplers.txt")
S2 = 0.25
D = 3
B = 5
SEED = 7
EPS = 1e-3
M64 = (1 << 64) - 1


# ---- dev.dpm.core.noise.NoiseSource, ported (our own code) ----
def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def gaussian(seed, sample, draw, n):
    golden = 0x9E3779B97F4A7C15
    key = _mix(_mix((seed + golden) & M64) ^ ((sample * 0xBF58476D1CE4E5B9 + draw * golden) & M64))
    out = np.zeros(n, dtype=np.float32)
    for i in range(0, n, 2):
        h = _mix((key + (i >> 1) * golden) & M64)
        u1 = ((h >> 32) + 0.5) / 4294967296.0
        u2 = ((h & 0xFFFFFFFF) + 0.5) / 4294967296.0
        r = math.sqrt(-2.0 * math.log(u1))
        a = 2.0 * math.pi * u2
        out[i] = np.float32(r * math.cos(a))
        if i + 1 < n:
            out[i + 1] = np.float32(r * math.sin(a))
    return out


# ---- the two SDEs: sigma~(t) ----
BETAS = np.linspace(1e-4, 0.02, 1000)
LOGAB = np.concatenate([[0.0], np.cumsum(np.log1p(-BETAS))])


def sigma_tilde(t, sde):
    if sde == "matched":
        n = t * 1000
        lo = min(int(math.floor(n)), 999)
        la = LOGAB[lo] + (n - lo) * (LOGAB[lo + 1] - LOGAB[lo])
    else:
        la = -0.5 * t * t * (20.0 - 0.1) - 0.1 * t
    return math.sqrt(math.expm1(-la))


def denoiser(x, sigma):  # k-diffusion model(x~, sigma~ * s_in) -> E[x0 | x~]
    s = sigma.reshape(-1, *([1] * (x.ndim - 1)))
    return S2 / (S2 + s * s) * x


def eps_star(x, sigma):  # eps*(x, t) in the unscaled x at sigma~
    alpha = 1.0 / math.sqrt(1.0 + sigma * sigma)
    sig = sigma * alpha
    return sig * x / (alpha * alpha * S2 + sig * sig)


def load_kdiffusion(path):
    for name in ("scipy", "scipy.integrate", "torchdiffeq", "torchsde", "tqdm", "tqdm.auto"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["scipy"].integrate = sys.modules["scipy.integrate"]
    sys.modules["torchdiffeq"].odeint = None
    sys.modules["tqdm.auto"].trange = lambda n, disable=None: range(n)
    sys.modules["tqdm.auto"].tqdm = None
    pkg = types.ModuleType("k_diffusion")
    pkg.__path__ = [os.path.join(path, "k_diffusion")]
    utils = types.ModuleType("k_diffusion.utils")  # their utils imports PIL etc.; only append_dims is used
    utils.append_dims = lambda x, n: x[(...,) + (None,) * (n - x.ndim)]
    pkg.utils = utils
    sys.modules["k_diffusion"] = pkg
    sys.modules["k_diffusion.utils"] = utils
    spec = importlib.util.spec_from_file_location("k_diffusion.sampling", os.path.join(path, "k_diffusion", "sampling.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules["k_diffusion.sampling"] = mod
    spec.loader.exec_module(mod)
    return mod


def load_unipc(path):
    root = types.ModuleType("dfx")
    root.__path__ = []
    sched = types.ModuleType("dfx.schedulers")
    sched.__path__ = []
    cfg = types.ModuleType("dfx.configuration_utils")

    class ConfigMixin:
        def register_to_config(self, **kw):
            self.config.__dict__.update(kw)

    def register_to_config(init):
        sig = inspect.signature(init)

        def wrapped(self, *a, **kw):
            bound = sig.bind(self, *a, **kw)
            bound.apply_defaults()
            self.config = types.SimpleNamespace(**{k: v for k, v in bound.arguments.items() if k != "self"})
            init(self, *a, **kw)
        return wrapped
    cfg.ConfigMixin = ConfigMixin
    cfg.register_to_config = register_to_config
    utils = types.ModuleType("dfx.utils")
    utils.deprecate = lambda *a, **k: None
    utils.is_scipy_available = lambda: False
    su = types.ModuleType("dfx.schedulers.scheduling_utils")
    su.KarrasDiffusionSchedulers = []
    su.SchedulerMixin = type("SchedulerMixin", (), {})
    su.SchedulerOutput = type("SchedulerOutput", (types.SimpleNamespace,), {})
    for m in (root, sched, cfg, utils, su):
        sys.modules[m.__name__] = m
    name = "dfx.schedulers.scheduling_unipc_multistep"
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(path, "src", "diffusers", "schedulers", "scheduling_unipc_multistep.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod.UniPCMultistepScheduler


def grid_sigmas(kd, kind, steps, sde):
    smax, smin = sigma_tilde(1.0, sde), sigma_tilde(EPS, sde)
    if kind == "karras":
        return kd.get_sigmas_karras(steps + 1, smin, smax, rho=7.0)[:-1]
    if kind == "logsnr":
        return kd.get_sigmas_exponential(steps + 1, smin, smax)[:-1]
    assert sde == "linear"
    return kd.get_sigmas_vp(steps + 1, beta_d=19.9, beta_min=0.1, eps_s=EPS)[:-1]


def run_case(kd, unipc_cls, name, settings, sde):
    steps = int(settings["steps"])
    denoise = settings["denoise"] == "true"
    sigmas = grid_sigmas(kd, settings["sigmas"], steps, sde)
    latents = np.random.RandomState(zlib.crc32(name.encode())).randn(B, D)
    x_t = torch.tensor(latents)
    kd_sigmas = torch.cat([sigmas, sigmas.new_zeros([1])]) if denoise else sigmas
    draws = {}  # draw index -> [B, D] noise (float32 values, as Java draws them)

    def draw(k):
        if k not in draws:
            draws[k] = np.stack([gaussian(SEED, i, k, D) for i in range(B)]).astype(np.float64)
        return torch.tensor(draws[k])

    kind = settings["name"]
    x0 = x_t * math.sqrt(1.0 + float(sigmas[0]) ** 2)  # x~_T = x_T/alpha(1)
    if kind == "edm-heun":
        churn, tmin = float(settings.get("s-churn", 0)), float(settings.get("s-tmin", 0))
        tmax, snoise = float(settings.get("s-tmax", "inf")), float(settings.get("s-noise", 1))
        n = len(kd_sigmas) - 1
        churned = [i for i in range(n) if churn > 0 and tmin <= float(kd_sigmas[i]) <= tmax]
        calls = iter(range(n))

        def fake_randn_like(x):
            i = next(calls)
            return draw(churned.index(i)) if i in churned else torch.zeros_like(x)
        real = torch.randn_like
        torch.randn_like = fake_randn_like
        try:
            out = kd.sample_heun(denoiser, x0, kd_sigmas, s_churn=churn, s_tmin=tmin, s_tmax=tmax, s_noise=snoise)
        finally:
            torch.randn_like = real
    elif kind == "dpm-solver-3m":
        out = kd.sample_dpmpp_3m_sde(denoiser, x0, kd_sigmas, eta=0.0, noise_sampler=lambda a, b: 1 / 0)
    elif kind == "dpm-solver-2m":
        out = kd.sample_dpmpp_2m(denoiser, x0, kd_sigmas)
    elif kind == "sde-dpm-solver-2m":
        count = iter(range(10 ** 6))
        out = kd.sample_dpmpp_2m_sde(denoiser, x0, kd_sigmas, eta=1.0, solver_type="midpoint",
                                     noise_sampler=lambda a, b: draw(next(count)))
    elif kind == "unipc":
        assert not denoise
        sch = unipc_cls(solver_order=int(settings["order"]), solver_type="bh2", predict_x0=True,
                        lower_order_final=True)
        sch.set_timesteps(steps)
        sch.sigmas = sigmas.clone()  # sigma~(t_0..t_K): the last step ends at sigma~(eps)
        sch.timesteps = torch.arange(steps, 0, -1)
        x = x_t.clone()
        for i, t in enumerate(sch.timesteps):
            x = sch.step(eps_star(x, float(sigmas[i])), t, x).prev_sample
        out = x * math.sqrt(1.0 + float(sigmas[-1]) ** 2)  # as x~, like the k-diffusion cases
    else:
        raise ValueError(kind)
    final = out if denoise else out / math.sqrt(1.0 + float(sigmas[-1]) ** 2)  # x_K = alpha_K x~_K
    lines = ["case " + name, "settings " + " ".join(f"{k}={v}" for k, v in settings.items()) + f" sde={sde}",
             "sigmas " + " ".join(f"{float(s):.17g}" for s in sigmas)]
    for i in range(B):
        lines.append(f"latent {i} " + " ".join(f"{v:.17g}" for v in latents[i]))
    for k in sorted(draws):
        for i in range(B):
            lines.append(f"noise {i} {k} " + " ".join(f"{v:.9g}" for v in draws[k][i]))
    for i in range(B):
        lines.append(f"sample {i} " + " ".join(f"{float(v):.17g}" for v in final[i]))
    lines.append("end")
    return lines


CASES = [
    ("edm-heun-karras-churn", {"name": "edm-heun", "steps": 10, "sigmas": "karras", "s-churn": 1.0,
                               "s-tmin": 0.05, "s-tmax": 80.0, "s-noise": 1.003, "denoise": "false"}, "matched"),
    ("edm-heun-uniform-linear-sde", {"name": "edm-heun", "steps": 8, "sigmas": "uniform", "denoise": "true"}, "linear"),
    ("dpm-solver-3m-karras", {"name": "dpm-solver-3m", "steps": 10, "sigmas": "karras", "denoise": "false"}, "matched"),
    ("dpm-solver-3m-logsnr-denoise", {"name": "dpm-solver-3m", "steps": 6, "sigmas": "logsnr", "denoise": "true"}, "matched"),
    ("sde-dpm-solver-2m-karras", {"name": "sde-dpm-solver-2m", "steps": 10, "sigmas": "karras", "denoise": "false"}, "matched"),
    ("sde-dpm-solver-2m-logsnr-denoise", {"name": "sde-dpm-solver-2m", "steps": 7, "sigmas": "logsnr", "denoise": "true"}, "matched"),
    ("unipc-2-logsnr", {"name": "unipc", "steps": 10, "sigmas": "logsnr", "order": 2, "denoise": "false"}, "matched"),
    ("unipc-3-karras", {"name": "unipc", "steps": 8, "sigmas": "karras", "order": 3, "denoise": "false"}, "matched"),
    ("dpm-solver-2m-karras", {"name": "dpm-solver-2m", "steps": 12, "sigmas": "karras", "denoise": "false"}, "matched"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k-diffusion", required=True, help="checkout of crowsonkb/k-diffusion")
    ap.add_argument("--diffusers", required=True, help="checkout of huggingface/diffusers")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    kd = load_kdiffusion(args.k_diffusion)
    unipc_cls = load_unipc(args.diffusers)
    lines = ["# made by training/reference/make_sampler_refs.py: k-diffusion sampling.py, diffusers UniPCMultistepScheduler",
             f"# data N(0, {S2} I), d={D}, {B} samples, noise seed {SEED}, eps {EPS}"]
    for name, settings, sde in CASES:
        settings = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in settings.items()}
        lines += run_case(kd, unipc_cls, name, {k: str(v) for k, v in settings.items()}, sde)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT, len(lines), "lines")


if __name__ == "__main__":
    main()
