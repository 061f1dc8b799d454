package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad arguments end with exit code 2 and exactly one line on stderr that names the problem — no
 * stack trace, nothing on stdout.
 */
class BadArgumentsTest {
  @TempDir
  static Path tmp;

  static Stream<Arguments> cases() throws Exception {
    String models = Cli.models().toString();
    Path noGamma = Cli.copyModel(tmp, "gmm-ring-2d", false);
    String out = tmp.resolve("x.npy").toString();
    List<Arguments> c = new ArrayList<>();
    c.add(Arguments.of("unknown model", "unknown model 'nope'",
        new String[] {"plan", "--models", models, "--model", "nope", "--sampler", "ddpm", "--steps", "10"}));
    c.add(Arguments.of("unknown sampler", "unknown sampler 'ddpx'",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddpx", "--steps", "10", "--n", "2", "--out", out}));
    c.add(Arguments.of("K > N", "--steps",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "1001"}));
    c.add(Arguments.of("K < 2", "--steps",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "1", "--n", "2", "--out", out}));
    c.add(Arguments.of("negative eta", "--eta",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--eta", "-0.5"}));
    c.add(Arguments.of("missing Γ", "Γ",
        new String[] {"sample", "--models", noGamma.toString(), "--model", "gmm-ring-2d", "--sampler", "analytic-ddpm", "--steps", "10", "--n", "2", "--out", out}));
    c.add(Arguments.of("optimal trajectory without Γ", "optimal",
        new String[] {"plan", "--models", noGamma.toString(), "--model", "gmm-ring-2d", "--sampler", "ddpm", "--steps", "10", "--trajectory", "optimal"}));
    c.add(Arguments.of("bad enum", "'sideways' is not one of",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "10", "--variance", "sideways"}));
    c.add(Arguments.of("not a number", "'ten'",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "ten"}));
    c.add(Arguments.of("missing option", "--model",
        new String[] {"plan", "--sampler", "ddpm", "--steps", "10"}));
    c.add(Arguments.of("unknown option", "--frobnicate",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "10", "--frobnicate"}));
    c.add(Arguments.of("flag of another sampler", "--eta",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "10", "--eta", "0.5"}));
    c.add(Arguments.of("unreadable data", "--data",
        new String[] {"calibrate", "--models", noGamma.toString(), "--model", "gmm-ring-2d", "--samples", "10", "--data", tmp.resolve("none.npy").toString()}));
    c.add(Arguments.of("unreadable latents", "--latents",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--n", "2", "--out", out, "--latents", tmp.resolve("none.npy").toString()}));
    c.add(Arguments.of("scale of a PNG below 1", "--scale",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--n", "2", "--scale", "0", "--out", tmp.resolve("x.png").toString()}));
    c.add(Arguments.of("scale of an npy", "--scale",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--n", "2", "--scale", "2", "--out", out}));
    c.add(Arguments.of("bad output name", "--out",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--n", "2", "--out", tmp.resolve("x.txt").toString()}));
    c.add(Arguments.of("n < 1", "--n",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--n", "0", "--out", out}));
    c.add(Arguments.of("exact Γ of a mixture", "--exact",
        new String[] {"calibrate", "--models", noGamma.toString(), "--model", "gmm-ring-2d", "--exact"}));
    c.add(Arguments.of("calibrate without samples", "--samples",
        new String[] {"calibrate", "--models", noGamma.toString(), "--model", "gmm-ring-2d"}));
    c.add(Arguments.of("nll ode with a discrete sampler", "--sampler",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--sampler", "ddpm",
            "--data", out, "--method", "ode"}));
    c.add(Arguments.of("nll ode with --steps", "--steps",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--steps", "10", "--data", out, "--method", "ode"}));
    c.add(Arguments.of("nll ode rtol <= 0", "--rtol",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--rtol", "0", "--data", out, "--method", "ode"}));
    c.add(Arguments.of("nll ode eps > 0.1", "--eps",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--eps", "0.5", "--data", out, "--method", "ode"}));
    c.add(Arguments.of("nll ode negative probes", "--probes",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--probes", "-1", "--data", out, "--method", "ode"}));
    c.add(Arguments.of("nll elbo with probes", "--probes",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--sampler", "ddpm", "--steps", "10",
            "--probes", "2", "--data", out}));
    c.add(Arguments.of("nll elbo without sampler", "--sampler",
        new String[] {"nll", "--models", models, "--model", "gaussian", "--data", out}));
    c.add(Arguments.of("sample without sampler", "--sampler",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--n", "2", "--out", out}));
    c.add(Arguments.of("rk45 with --steps", "--steps",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ode-rk45", "--steps", "10", "--n", "2", "--out", out}));
    c.add(Arguments.of("snr <= 0", "--snr",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "sde-pc", "--steps", "10", "--snr", "0", "--n", "2", "--out", out}));
    c.add(Arguments.of("rtol <= 0", "--rtol",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ode-rk45", "--rtol", "-1e-5", "--n", "2", "--out", out}));
    c.add(Arguments.of("eps = 0", "--eps",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ode-euler", "--steps", "10", "--eps", "0", "--n", "2", "--out", out}));
    c.add(Arguments.of("eps > 0.1", "--eps",
        new String[] {"sample", "--models", models, "--model", "gaussian", "--sampler", "ode-heun", "--steps", "10", "--eps", "0.2", "--n", "2", "--out", out}));
    c.add(Arguments.of("encode with a stochastic sampler", "--sampler",
        new String[] {"encode", "--models", models, "--model", "gaussian", "--sampler", "sde-em", "--steps", "10", "--data", out, "--out", out}));
    c.add(Arguments.of("encode ddim with eta > 0", "--eta",
        new String[] {"encode", "--models", models, "--model", "gaussian", "--sampler", "ddim", "--steps", "10", "--eta", "1", "--data", out, "--out", out}));
    c.add(Arguments.of("encode rk45 with --steps", "--steps",
        new String[] {"encode", "--models", models, "--model", "gaussian", "--sampler", "ode-rk45", "--steps", "10", "--data", out, "--out", out}));
    c.add(Arguments.of("encode unreadable data", "--data",
        new String[] {"encode", "--models", models, "--model", "gaussian", "--sampler", "ode-rk45", "--data", tmp.resolve("none.npy").toString(), "--out", out}));
    c.add(Arguments.of("plan of a continuous sampler", "--sampler",
        new String[] {"plan", "--models", models, "--model", "gaussian", "--sampler", "ode-euler", "--steps", "10"}));
    c.add(Arguments.of("no command", "missing command", new String[] {}));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exitsWithCode2AndOneLine(String what, String mentions, String[] args) {
    Cli.Result r = Cli.run(args);
    assertEquals(2, r.code(), what + ": " + r);
    String err = r.err().strip();
    assertFalse(err.isEmpty(), what + ": nothing on stderr");
    assertEquals(1, err.lines().count(), what + ": more than one line:\n" + r.err());
    assertFalse(err.contains("Exception") || err.contains("\tat "), what + ": looks like a stack trace: " + err);
    assertTrue(err.contains(mentions), what + ": '" + err + "' does not mention " + mentions);
    assertTrue(r.out().isEmpty(), what + ": stdout not empty: " + r.out());
  }
}
