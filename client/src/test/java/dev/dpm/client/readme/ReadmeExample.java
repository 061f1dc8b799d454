package dev.dpm.client.readme;

// README-EXAMPLE-BEGIN
import dev.dpm.client.DpmClient;
import dev.dpm.client.JobEventListener;
import dev.dpm.client.JobRequest;
import dev.dpm.client.NpyArray;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.SampleResult;
import dev.dpm.client.SamplerName;
import dev.dpm.client.SamplerParams;
import dev.dpm.client.ValidationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

public class ReadmeExample {
  public static void main(String[] args) {
    String server = args.length > 0 ? args[0] : "http://localhost:8080";
    Path png = Path.of(args.length > 1 ? args[1] : "ring.png");

    try (DpmClient client = DpmClient.builder()
        .setBaseUrl(server)                       // required
        .optRequestTimeout(Duration.ofSeconds(30))
        .build()) {

      // 16 samples of the 2-D ring with Analytic-DDPM, 50 steps; unset parameters take the defaults
      JobRequest request = JobRequest.builder("gmm-ring-2d",
              SamplerParams.builder(SamplerName.ANALYTIC_DDPM).optSteps(50).build())
          .optN(16)
          .optSeed(7L)
          .build();

      // submit, stream progress while it runs, and download the samples when it succeeds
      SampleResult result = client.sample(request, Duration.ofMinutes(5),
          JobEventListener.progress(e -> System.out.printf("step %d/%d, ETA %s s%n",
              e.step(), e.total(), e.etaSeconds())));

      NpyArray samples = result.samples();        // float32, shape [16, 2]
      System.out.println("job " + result.job().id() + ", seed " + result.job().seed()
          + ", shape " + Arrays.toString(samples.shape())
          + ", first sample " + Arrays.toString(samples.sample(0)));

      // the scatter plot (image models: a grid) as a PNG file
      client.result(result.job().id(), OutputFormat.PNG).saveTo(png);

      // bad input is a ValidationException naming the field
      try {
        client.submit(JobRequest.builder("gmm-ring-2d", SamplerParams.of(SamplerName.DDPM, 5000)).build());
      } catch (ValidationException e) {
        System.out.println(e.error("sampler.steps").orElseThrow().message()); // must be between 2 and N = 1000, got 5000
      }
    }
  }
}
// README-EXAMPLE-END
