package dev.maas.examples;

import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.InvalidInputException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.DeployOptions;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The first example: publish two versions of a small generated model to a local filesystem store
 * (the embedded default), route calls by version and alias, run them synchronously and
 * asynchronously, and see a bad request rejected before it reaches the runtime.
 *
 * <p>Run it with {@code java -jar maas-examples/target/maas.jar demo [--store file:DIR]}.
 */
public final class QuickStart {
  private QuickStart() {}

  /**
   * Runs the example against a store in {@code storeDir}, printing to {@code out}.
   *
   * @return the number of requests served
   */
  public static int run(Path storeDir, PrintStream out) throws Exception {
    out.println("maas quick start: store " + storeDir.toAbsolutePath());

    // 1. Two versions of a model: a 4 -> 16 -> 3 MLP generated in code, with different weights.
    Path work = Files.createTempDirectory("maas-quickstart");
    Path v1File = Files.write(work.resolve("mlp.onnx"), SampleModels.mlp(4, 16, 3, 42));
    Path v2File = Files.write(work.resolve("mlp-retrained.onnx"), SampleModels.mlp(4, 16, 3, 7));

    // 2. The service: a filesystem store; the ONNX runtime is found on the classpath.
    try (ModelService maas = ModelService.builder().storeDirectory(storeDir).build()) {
      ModelVersion v1 = maas.deploy("mlp", v1File, DeployOptions.defaults().withLabel("trained", "seed-42"));
      ModelVersion v2 = maas.deploy("mlp", v2File, DeployOptions.defaults().withLabel("trained", "seed-7"));
      maas.setAlias("mlp", "prod", v1.version());
      out.println("deployed " + v1 + " and " + v2 + "; alias mlp@prod -> " + v1.version());

      Manifest m = maas.manifest(v2.ref());
      out.println("signature of " + v2 + ": inputs " + m.signature().inputs() + ", outputs " + m.signature().outputs());
      out.println("  sha256 " + m.modelBlob().orElseThrow().sha256() + ", labels " + m.labels());

      // 3. One request, three ways to name the version.
      InferenceRequest req = InferenceRequest.of("x", Tensor.of(new float[] {0.5f, -1f, 2f, 0.25f}, 1, 4));
      for (String ref : List.of("mlp", v1.ref().toString(), "mlp@prod")) {
        InferenceResult r = maas.predict(ModelRef.parse(ref), req);
        out.printf("predict %-9s -> served by %s: y = %s%n", ref, r.version(), Arrays.toString(r.output("y").toFloatArray()));
      }

      // 4. Many calls at once, asynchronously; every result says which version answered.
      int calls = 2_000;
      long start = System.nanoTime();
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>(calls);
      for (int i = 0; i < calls; i++) {
        float f = i / (float) calls;
        futures.add(maas.predictAsync(ModelRef.parse("mlp@prod"),
            InferenceRequest.of("x", Tensor.of(new float[] {f, 1 - f, f * f, -f}, 1, 4))));
      }
      CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).join();
      double seconds = (System.nanoTime() - start) / 1e9;
      long byV1 = futures.stream().filter(fu -> fu.join().version().equals(v1)).count();
      out.printf("%d async calls in %.2f s (%.0f/s), %d served by %s%n", calls, seconds, calls / seconds, byV1, v1);

      // 5. Bad input never reaches native code: a clear, typed exception instead.
      try {
        maas.predict(ModelRef.parse("mlp"), InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3}, 1, 3)));
      } catch (InvalidInputException e) {
        out.println("rejected as expected: " + e.getMessage());
      }
      TensorSpec x = m.signature().inputs().get(0);
      out.println("(the model's input is " + x + ")");
      out.println("versions in the store: " + maas.versions("mlp") + ", aliases: " + maas.aliases("mlp").size());
      return calls + 3;
    }
  }
}
