package dev.dpm.server.jobs;

import dev.dpm.core.model.Condition;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.sampler.GuidedContexts;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.runtime.model.Conditioning;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;

/**
 * The class labels and guidance of a sampling job: resolved against the model's conditioning (names or indices;
 * an unknown one is a problem naming the allowed ones), stored in the job's spec as indices, turned into one
 * {@link Condition} per sample for the engine, and the Γ the job's sampler uses under guidance.
 *
 * @param label the class of every sample, or null
 * @param labels one class per sample, or null
 */
record JobConditions(Integer label, int[] labels) {
  /** No labels: an unconditional job. */
  static final JobConditions NONE = new JobConditions(null, null);

  /**
   * Resolves a request's labels and checks its guidance against the model.
   *
   * @param r the request
   * @param model the model
   * @param problems where problems go (fields {@code label}, {@code labels}, {@code sampler.guidance})
   * @return the resolved labels
   */
  static JobConditions resolve(JobRequest.Sample r, ServedModel model, List<Problem> problems) {
    Conditioning c = model.conditional() == null ? null : model.spec().conditioning();
    boolean asked = r.label() != null || r.labels() != null;
    if (c == null) {
      if (asked) {
        problems.add(new Problem(r.label() != null ? "label" : "labels", "model '" + model.name()
            + "' is not class-conditional (it takes no labels)"));
      }
      if (r.sampler().guidance() != null) {
        problems.add(new Problem("sampler.guidance", "model '" + model.name()
            + "' is not class-conditional: guidance needs a model with classes and a null label"));
      }
      return NONE;
    }
    if (!asked && r.sampler().guidance() != null) {
      problems.add(new Problem("sampler.guidance", "guidance needs a label (one of " + c.allowed() + ")"));
      return NONE;
    }
    String heads = GuidedContexts.secondHeadsProblem(r.sampler());
    if (heads != null) {
      problems.add(new Problem("sampler.guidance", heads));
    }
    try {
      if (r.label() != null) {
        return new JobConditions(c.resolve(r.label()), null);
      }
      if (r.labels() != null) {
        int[] out = new int[r.labels().size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = c.resolve(r.labels().get(i));
        }
        return new JobConditions(null, out);
      }
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(r.label() != null ? "label" : "labels", e.getMessage()));
    }
    return NONE;
  }

  /**
   * @param spec a stored job's spec
   * @return the labels it holds
   */
  static JobConditions of(JsonObject spec) {
    JsonArray a = spec.getJsonArray("labels");
    int[] labels = null;
    if (a != null) {
      labels = new int[a.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = a.getInteger(i);
      }
    }
    return new JobConditions(spec.getInteger("label"), labels);
  }

  /** @return whether any sample has a label */
  boolean labelled() {
    return label != null || labels != null;
  }

  /** Adds the labels to a job spec (indices). */
  void into(JsonObject spec) {
    if (label != null) {
      spec.put("label", label);
    }
    if (labels != null) {
      JsonArray a = new JsonArray();
      for (int l : labels) {
        a.add(l);
      }
      spec.put("labels", a);
    }
  }

  /**
   * @param n samples
   * @param guidance the sampler's guidance (null: none)
   * @return one condition per sample, or null for an unconditional job
   */
  Condition[] conditions(int n, Double guidance) {
    if (!labelled()) {
      return null;
    }
    Guidance g = guidance == null ? null : Guidance.of(guidance);
    Condition[] out = new Condition[n];
    for (int i = 0; i < n; i++) {
      out[i] = new Condition(label != null ? label : labels[i], g);
    }
    return out;
  }

  /**
   * The context a labelled job's sampler is made with: Γ of the guided predictor when the sampler needs Γ (the
   * model's guided Γ grid at w, for the job's label or pooled), else the model's own context. Without a grid, a
   * plain conditional job (no guidance) and a w = 0 job use the model's (unconditional) Γ.
   *
   * @param model the model
   * @param s the sampler settings
   * @param problems where a missing or too narrow grid is reported ({@code sampler.guidance})
   * @return the context
   */
  ModelContext context(ServedModel model, SamplerSettings s, List<Problem> problems) {
    if (!labelled()) {
      return model.context();
    }
    int first = label != null ? label : labels[0];
    boolean one = label != null || Arrays.stream(labels).allMatch(l -> l == first);
    try {
      return GuidedContexts.of(model.context(), model.guidedGamma(), s, first, one);
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(one ? "sampler.guidance" : "labels", e.getMessage() + " (./dpm calibrate --model "
          + model.name() + " --guidance 0,1,2,3,...)"));
      return model.context();
    }
  }
}
