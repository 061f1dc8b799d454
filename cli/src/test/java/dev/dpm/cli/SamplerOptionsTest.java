package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dpm.client.DpmJson;
import dev.dpm.client.JobRequest;
import dev.dpm.client.SamplerName;
import dev.dpm.client.SamplerParams;
import dev.dpm.client.WireEnum;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerParam;
import dev.dpm.core.sampler.SamplerSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The sampler parameters are written once ({@link SamplerParam}); the CLI's one mixin and the SDK, which may not
 * depend on the core, must spell them the same.
 */
class SamplerOptionsTest {

  private static CommandLine dpm() {
    return Dpm.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
  }

  @Test
  void everyParameterIsAFlagOfTheOneMixinOnEverySamplingCommand() {
    for (String name : List.of("sample", "submit", "encode", "nll", "plan")) {
      CommandSpec spec = dpm().getSubcommands().get(name).getCommandSpec();
      assertTrue(spec.mixins().values().stream().anyMatch(m -> m.userObject() instanceof SamplerOptions), name);
      assertNotNull(spec.findOption("--sampler"), name);
      for (SamplerParam p : SamplerParam.values()) {
        assertNotNull(spec.findOption("--" + p.wire()), name + " --" + p.wire());
      }
    }
  }

  @Test
  void theSdkSpellsEveryParameterAsTheTable() throws Exception {
    List<String> sdk = new ArrayList<>();
    for (RecordComponent c : SamplerParams.class.getRecordComponents()) {
      String wire = SamplerParams.class.getDeclaredField(c.getName()).getAnnotation(JsonProperty.class).value();
      if (wire.equals("name")) {
        continue;
      }
      sdk.add(wire);
      SamplerParam p = SamplerParam.byWire(wire);
      assertNotNull(p, "the SDK's " + wire + " is not a sampler parameter");
      Class<?> t = c.getType();
      SamplerParam.Type expected = t == Integer.class ? SamplerParam.Type.INTEGER
          : t == Double.class ? SamplerParam.Type.NUMBER
          : t == Boolean.class ? SamplerParam.Type.BOOLEAN
          : t == List.class ? SamplerParam.Type.INTEGER_LIST
          : SamplerParam.Type.ENUM;
      assertEquals(expected, p.type(), wire);
      if (expected == SamplerParam.Type.ENUM) {
        assertEquals(p.choices(), wires(t), wire + " values");
      }
    }
    assertEquals(Arrays.stream(SamplerParam.values()).map(SamplerParam::wire).toList(), sdk);
    assertEquals(Arrays.stream(SamplerKind.values()).map(SamplerKind::wire).toList(), wires(SamplerName.class));
  }

  @Test
  void submitSendsTheParametersTheFlagsName() throws Exception {
    CommandLine cl = dpm();
    cl.parseArgs("submit", "--model", "m", "--sampler", "edm-heun", "--steps", "12", "--sigmas", "logsnr",
        "--s-churn", "0.5", "--s-tmax", "3", "--eps", "0.002", "--no-denoise", "--guidance", "2");
    SubmitCommand submit = cl.getSubcommands().get("submit").getCommand();
    JobRequest r = submit.request();
    SamplerSettings s = submit.sampler.settings();
    assertEquals(SamplerKind.EDM_HEUN, s.kind());
    Map<?, ?> sent = DpmJson.mapper().readValue(DpmJson.write(r.sampler()), Map.class);
    assertEquals(Map.of("name", "edm-heun", "steps", 12, "sigmas", "logsnr", "s-churn", 0.5, "s-tmax", 3.0,
        "eps", 0.002, "denoise", false, "guidance", 2.0), sent);
    assertEquals(s.toMap(), sent);

    cl = dpm();
    cl.parseArgs("submit", "--model", "m", "--sampler", "ddim", "--timesteps", "1,500,1000", "--eta", "0.5");
    SamplerParams p = ((SubmitCommand) cl.getSubcommands().get("submit").getCommand()).request().sampler();
    assertEquals(SamplerParams.builder(SamplerName.DDIM).optTimesteps(List.of(1, 500, 1000)).optEta(0.5).build(), p);
    assertEquals(SamplerParams.Trajectory.EXPLICIT, p.trajectory());
  }

  @Test
  void submitNamesAMissingSamplerAndTheSdksRangeChecks() {
    Cli.Result r = Cli.run("submit", "--server", "http://127.0.0.1:9", "--model", "m");
    assertEquals(2, r.code(), r.toString());
    assertEquals("dpm submit: Missing required option: '--sampler=NAME' (see ./dpm submit --help)", r.err().strip());
    Cli.Result steps = Cli.run("submit", "--server", "http://127.0.0.1:9", "--model", "m", "--sampler", "ddpm",
        "--steps", "0");
    assertEquals(2, steps.code(), steps.toString());
    assertEquals("dpm submit: sampler.steps must be ≥ 1, was 0", steps.err().strip());
  }

  private static List<String> wires(Class<?> enumType) {
    return Arrays.stream(enumType.getEnumConstants()).map(e -> ((WireEnum) e).wire())
        .filter(w -> !w.equals("unknown")).toList();
  }
}
