package dev.dpm.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.PlanStep;
import dev.dpm.core.sampler.Sampler;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./dpm plan}: prints the steps a discrete sampler will take, with λ², σ² and Γ, without
 * running the network:
 * {@code {"timesteps":[…ascending…],"steps":[{"from":t,"to":s,"lambda2":…,"sigma2":…,"gamma":…},…]}}
 * in sampling order.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Print a discrete sampler's timesteps and per-step variances as JSON.")
public final class PlanCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Mixin
  SamplerOptions sampler;

  @Override
  public Integer call() {
    ModelSpec ms = model.spec();
    Sampler s = sampler.create(ms);
    if (!(s instanceof DiscreteSampler ds)) {
      throw new UsageError("--sampler: plan shows discrete samplers only (ddpm, analytic-ddpm, ddim, analytic-ddim, sn-ddpm, npr-ddpm, sn-ddim, npr-ddim), not "
          + sampler.sampler.wire());
    }
    ObjectNode root = Json.object();
    root.put("model", ms.name());
    root.set("sampler", Json.map(s.settings().toMap()));
    root.set("timesteps", Json.array(ds.trajectory().timesteps()));
    ArrayNode steps = root.putArray("steps");
    for (PlanStep p : ds.plan()) {
      ObjectNode o = steps.addObject();
      o.put("from", p.from());
      o.put("to", p.to());
      o.put("lambda2", p.lambda2());
      o.put("sigma2", p.sigma2());
      if (p.gamma() == null) {
        o.putNull("gamma");
      } else {
        o.put("gamma", p.gamma().doubleValue());
      }
    }
    Json.print(spec.commandLine().getOut(), root);
    return 0;
  }
}
