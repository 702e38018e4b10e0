package dev.maas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.Tensor;
import dev.maas.examples.cli.MaasCli;
import dev.maas.onnx.tools.SampleModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maas command line, in-process: outputs and exit codes, every error path. */
class CliTest {
  @TempDir Path tmp;
  String store;
  Path model;

  record Run(int exit, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    int code = MaasCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(new String[0]));
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeEach
  void setUp() throws Exception {
    store = "file:" + tmp.resolve("store");
    model = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1));
  }

  @Test
  void deployPrintsTheVersionAloneOnItsLastLineAndOptionsGoBeforeOrAfter() {
    Run a = cli("--store", store, "deploy", "mlp", model.toString(), "--label", "team=search");
    assertEquals(0, a.exit(), a.err());
    assertEquals("1", a.lastLine());
    Run b = cli("deploy", "mlp", model.toString(), "--alias", "prod", "--store", store);
    assertEquals(0, b.exit(), b.err());
    assertEquals("2", b.lastLine());
    Run list = cli("list", "--store", store);
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().contains("mlp") && list.out().contains("prod->2"), list.out());
  }

  @Test
  void showVerifyAliasRollbackUndeploy() throws Exception {
    cli("--store", store, "deploy", "mlp", model.toString());
    cli("--store", store, "deploy", "mlp", model.toString());
    assertEquals(0, cli("--store", store, "alias", "set", "mlp", "prod", "1").exit());
    Run set = cli("--store", store, "alias", "set", "mlp", "prod", "2");
    assertEquals("mlp@prod -> 2", set.out().strip());
    Run show = cli("--store", store, "show", "mlp@prod");
    assertEquals(0, show.exit(), show.err());
    assertTrue(show.out().startsWith("mlp:2"), show.out());
    assertTrue(show.out().contains("input  x: float32[batch, 4]"), show.out());
    assertTrue(show.out().contains("alias prod -> 2"), show.out());
    JsonNode json = new ObjectMapper().readTree(cli("--store", store, "show", "mlp:1", "--json").out());
    assertEquals(1, json.get("manifest").get("version").asInt());
    assertEquals("prod", json.get("aliases").get(0).get("name").asText());
    Run verify = cli("--store", store, "verify", "mlp@prod");
    assertEquals(0, verify.exit(), verify.err());
    assertTrue(verify.out().contains("verified mlp:2"), verify.out());
    Run rb = cli("--store", store, "rollback", "mlp", "prod");
    assertEquals("mlp@prod -> 1 (rolled back)", rb.out().strip());
    Run refused = cli("--store", store, "undeploy", "mlp", "1");
    assertEquals(1, refused.exit(), "conflict: an alias points at it");
    assertTrue(refused.err().startsWith("error: cannot undeploy mlp:1: alias 'prod' points at it"), refused.err());
    Run ok = cli("--store", store, "undeploy", "mlp", "2");
    assertEquals(0, ok.exit(), ok.err());
  }

  @Test
  void predictReadsAndWritesTensorJson() throws Exception {
    cli("--store", store, "deploy", "mlp", model.toString());
    Path in = Files.writeString(tmp.resolve("in.json"),
        "{\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [0.5, -1, 2, 0.25]}}");
    Run r = cli("--store", store, "predict", "mlp", "--input", in.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode y = new ObjectMapper().readTree(r.out()).get("y");
    assertEquals("float32", y.get("dtype").asText());
    assertEquals(3, y.get("shape").get(1).asInt());
    float[] expected = SampleModels.mlpReference(4, 8, 3, 1, Tensor.of(new float[] {0.5f, -1, 2, 0.25f}, 1, 4)).toFloatArray();
    for (int i = 0; i < 3; i++) {
      assertEquals(expected[i], y.get("data").get(i).floatValue(), 1e-4);
    }
    assertTrue(r.err().contains("served by mlp:1"), r.err());
  }

  @Test
  void predictThroughTheCacheFillsItOnceAndRefusesANonsenseSize() throws Exception {
    cli("--store", store, "deploy", "mlp", model.toString());
    Path in = Files.writeString(tmp.resolve("in.json"),
        "{\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [0.5, -1, 2, 0.25]}}");
    Path cache = tmp.resolve("cache");
    Run r = cli("--store", store, "--cache", cache.toString(), "--cache-size", "64m", "predict", "mlp", "--input", in.toString());
    assertEquals(0, r.exit(), r.err());
    String blob;
    try (var s = Files.list(tmp.resolve("store/blobs/sha256"))) {
      blob = s.findFirst().orElseThrow().getFileName().toString();
    }
    assertTrue(Files.isRegularFile(cache.resolve("sha256").resolve(blob)), "the model file is cached under its digest");
    assertExit(1, cli("--store", store, "--cache", cache.toString(), "--cache-size", "lots", "list"), "not a size: 'lots'");
  }

  @Test
  void errorsAreOneLineWithDocumentedExitCodes() throws Exception {
    cli("--store", store, "deploy", "mlp", model.toString());
    Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"x\": [1, 2");
    Path wrongType = Files.writeString(tmp.resolve("wrong.json"),
        "{\"x\": {\"dtype\": \"int64\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}}");
    assertExit(2, cli("--store", store, "predict", "nope", "--input", wrongType.toString()), "no model 'nope'");
    assertExit(2, cli("--store", store, "show", "mlp:9"), "has no version 9");
    assertExit(2, cli("--store", store, "show", "mlp@canary"), "has no alias 'canary'");
    assertExit(5, cli("--store", store, "predict", "mlp", "--input", bad.toString()), "not valid JSON");
    assertExit(5, cli("--store", store, "predict", "mlp", "--input", wrongType.toString()), "'x' must be float32 but is int64");
    assertExit(7, cli("--store", "file:" + tmp.resolve("missing"), "list"), "no store at");
    assertExit(1, cli("--store", store, "frobnicate"), "Unmatched argument");
    // a tampered blob: verify and predict both refuse it
    Path blob;
    try (var s = Files.list(tmp.resolve("store/blobs/sha256"))) {
      blob = s.findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(blob);
    b[b.length / 2] ^= 1;
    Files.write(blob, b);
    assertExit(3, cli("--store", store, "verify", "mlp"), "does not match its manifest");
    Path in = Files.writeString(tmp.resolve("in.json"),
        "{\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}}");
    assertExit(3, cli("--store", store, "predict", "mlp", "--input", in.toString()), "does not match its manifest");
  }

  private static void assertExit(int code, Run r, String message) {
    assertEquals(code, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains(message), "stderr should say '" + message + "': " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
  }

  @Test
  void signedDeploysAreTrustedAndOthersRefused() throws Exception {
    java.security.KeyPair trusted = dev.maas.security.SigningKeys.generate();
    java.security.KeyPair other = dev.maas.security.SigningKeys.generate();
    Path priv = Files.writeString(tmp.resolve("deployer.pem"), dev.maas.security.SigningKeys.toPem(trusted.getPrivate()));
    Path pub = Files.writeString(tmp.resolve("deployer.pub.pem"), dev.maas.security.SigningKeys.toPem(trusted.getPublic()));
    Path otherPriv = Files.writeString(tmp.resolve("other.pem"), dev.maas.security.SigningKeys.toPem(other.getPrivate()));
    assertEquals(0, cli("--store", store, "deploy", "mlp", model.toString(), "--sign-key", priv.toString()).exit());
    assertEquals(0, cli("--store", store, "deploy", "mlp", model.toString(), "--sign-key", otherPriv.toString()).exit());
    assertEquals(0, cli("--store", store, "deploy", "mlp", model.toString()).exit());
    Run ok = cli("--store", store, "--trust-key", pub.toString(), "verify", "mlp:1");
    assertEquals(0, ok.exit(), ok.err());
    Run show = cli("--store", store, "--trust-key", pub.toString(), "show", "mlp:1");
    assertTrue(show.out().contains("signature: signed by ed25519-") && show.out().contains("(verified)"), show.out());
    assertExit(3, cli("--store", store, "--trust-key", pub.toString(), "verify", "mlp:2"), "mlp:2");
    assertExit(3, cli("--store", store, "--trust-key", pub.toString(), "show", "mlp:3"), "is not signed");
  }

  @Test
  void aDeniedPrincipalExitsFour() throws Exception {
    cli("--store", store, "deploy", "mlp", model.toString());
    Path policy = Files.writeString(tmp.resolve("policy.json"),
        "{\"rules\": [{\"effect\": \"allow\", \"principals\": [\"alice\"], \"models\": [\"*\"], \"actions\": [\"READ\", \"PREDICT\"]}]}");
    Run allowed = cli("--store", store, "--policy", policy.toString(), "--principal", "alice", "show", "mlp");
    assertEquals(0, allowed.exit(), allowed.err());
    assertExit(4, cli("--store", store, "--policy", policy.toString(), "--principal", "bob", "show", "mlp"), "bob");
    assertExit(4, cli("--store", store, "--policy", policy.toString(), "--principal", "alice", "undeploy", "mlp", "1"), "alice");
  }

  @Test
  void verboseShowsTheStackTrace() {
    cli("--store", store, "deploy", "mlp", model.toString());
    Run r = cli("--store", store, "show", "nope", "--verbose");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("\tat "), r.err());
  }

  @Test
  void benchEndsWithTheResultLineThroughMaasAndRaw() {
    cli("--store", store, "deploy", "mlp", model.toString());
    for (boolean raw : new boolean[] {false, true}) {
      List<String> args = new ArrayList<>(List.of("--store", store, "bench", "mlp", "--concurrency", "4",
          "--requests", "2000", "--dim", "batch=2"));
      if (raw) {
        args.add("--raw");
      }
      Run r = cli(args.toArray(new String[0]));
      assertEquals(0, r.exit(), r.err());
      String last = r.lastLine();
      assertTrue(last.matches("RESULT requests=2000 errors=0 throughput=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ versions=1:2000"),
          last);
      assertTrue(r.out().contains("latency ms: p50"), r.out());
    }
  }
}
