package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.InferenceRequest;
import dev.maas.IntegrityException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.SigningKeys;
import dev.maas.version.Manifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployer signs, a server verifies, over one store: what the deployer published runs; anything
 * unsigned, signed by another key, or changed in the store afterwards — a blob byte, a manifest
 * byte, a signature byte, two manifests swapped, an old manifest replayed under a new number — is
 * refused with a reason, and the version already serving keeps serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignedManifestsTest {
  private static final KeyPair K1 = SigningKeys.generate();
  private static final KeyPair K2 = SigningKeys.generate();
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
  private static OnnxRuntime onnx;

  @TempDir Path tmp;
  Path storeDir;
  Path a;
  Path b;

  @BeforeAll
  static void runtime() {
    onnx = OnnxRuntime.create();
  }

  @AfterAll
  static void close() {
    onnx.close();
  }

  @BeforeEach
  void files() throws Exception {
    storeDir = tmp.resolve("store");
    a = Files.write(tmp.resolve("a.onnx"), SampleModels.mlp(4, 8, 3, 1));
    b = Files.write(tmp.resolve("b.onnx"), SampleModels.mlp(4, 8, 3, 2));
  }

  private ModelService.Builder builder() {
    return ModelService.builder().storeDirectory(storeDir).runtime(onnx);
  }

  private ModelService deployer(String keyId, KeyPair key) {
    return builder().signWith(keyId, key.getPrivate()).build();
  }

  private ModelService server(Map<String, java.security.PublicKey> trusted) {
    return builder().trustedKeys(trusted).build();
  }

  private Path manifestFile(long version) {
    return storeDir.resolve("models/m/versions/" + version + ".json");
  }

  private static String refusal(ModelService maas, String ref) {
    return assertThrows(IntegrityException.class, () -> maas.predict(ModelRef.parse(ref), ROW)).getMessage();
  }

  @Test
  void whatTheDeployerSignedRuns() {
    try (ModelService deployer = deployer("k1", K1); ModelService server = server(Map.of("k1", K1.getPublic()))) {
      deployer.deploy("m", a);
      Manifest m = server.manifest(ModelRef.parse("m:1"));
      assertNotNull(m.manifestSignature());
      assertEquals("k1", m.manifestSignature().keyId());
      assertEquals(1, server.predict(ModelRef.parse("m"), ROW).version().version());
    }
  }

  @Test
  void unsignedOrSignedByAnotherKeyIsRefused() {
    try (ModelService plain = builder().build(); ModelService other = deployer("k2", K2);
        ModelService server = server(Map.of("k1", K1.getPublic()))) {
      plain.deploy("m", a);
      assertNull(plain.manifest(ModelRef.parse("m:1")).manifestSignature());
      other.deploy("m", a);
      assertTrue(refusal(server, "m:1").contains("is not signed"));
      assertTrue(refusal(server, "m:2").contains("key 'k2', which is not among the trusted keys [k1]"));
      assertThrows(IntegrityException.class, () -> server.manifest(ModelRef.parse("m:2")));
    }
  }

  @Test
  void keysRotateByKeyId() {
    try (ModelService old = deployer("k1", K1); ModelService next = deployer("k2", K2)) {
      old.deploy("m", a);
      next.deploy("m", b);
    }
    try (ModelService both = server(Map.of("k1", K1.getPublic(), "k2", K2.getPublic()))) {
      assertEquals(1, both.predict(ModelRef.parse("m:1"), ROW).version().version());
      assertEquals(2, both.predict(ModelRef.parse("m:2"), ROW).version().version());
    }
    try (ModelService retired = server(Map.of("k2", K2.getPublic()))) {
      assertTrue(refusal(retired, "m:1").contains("key 'k1'"));
      assertEquals(2, retired.predict(ModelRef.parse("m:2"), ROW).version().version());
    }
  }

  // ------------------------------------------------------------------ tampering

  @Test
  void aFlippedBlobByteIsCaught() throws Exception {
    try (ModelService deployer = deployer("k1", K1)) {
      deployer.deploy("m", a);
    }
    String digest = Files.readString(manifestFile(1)).replaceAll("(?s).*\"sha256\" : \"([0-9a-f]{64})\".*", "$1");
    Path blob = storeDir.resolve("blobs/sha256/" + digest);
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 3] ^= 0x10;
    Files.write(blob, bytes);
    try (ModelService server = server(Map.of("k1", K1.getPublic()))) {
      assertTrue(refusal(server, "m:1").contains("does not match its manifest"));
    }
  }

  @Test
  void aFlippedManifestOrSignatureByteIsCaught() throws Exception {
    try (ModelService deployer = deployer("k1", K1)) {
      deployer.deploy("m", a);
      deployer.deploy("m", b);
    }
    // a byte inside the recorded size of the model
    String one = Files.readString(manifestFile(1));
    String changed = one.replaceFirst("\"size\" : (\\d)", one.contains("\"size\" : 9") ? "\"size\" : 8" : "\"size\" : 9");
    assertFalse(changed.equals(one));
    Files.writeString(manifestFile(1), changed);
    // a byte of the signature value
    String two = Files.readString(manifestFile(2));
    int at = two.indexOf("\"value\" : \"") + 12;
    char c = two.charAt(at);
    Files.writeString(manifestFile(2), two.substring(0, at) + (c == 'A' ? 'B' : 'A') + two.substring(at + 1));
    try (ModelService server = server(Map.of("k1", K1.getPublic()))) {
      assertTrue(refusal(server, "m:1").contains("altered after it was signed"));
      assertTrue(refusal(server, "m:2").contains("altered after it was signed"));
    }
  }

  @Test
  void swappedManifestsAreCaught() throws Exception {
    try (ModelService deployer = deployer("k1", K1)) {
      deployer.deploy("m", a);
      deployer.deploy("m", b);
    }
    byte[] one = Files.readAllBytes(manifestFile(1));
    Files.write(manifestFile(1), Files.readAllBytes(manifestFile(2)));
    Files.write(manifestFile(2), one);
    try (ModelService server = server(Map.of("k1", K1.getPublic()))) {
      assertTrue(refusal(server, "m:1").contains("describes m:2"));
      assertTrue(refusal(server, "m:2").contains("describes m:1"));
    }
  }

  @Test
  void anOldSignedManifestReplayedUnderANewNumberIsCaught() throws Exception {
    try (ModelService deployer = deployer("k1", K1)) {
      deployer.deploy("m", a);
      deployer.deploy("m", b);
    }
    // as is: the manifest says it is version 1
    Files.write(manifestFile(3), Files.readAllBytes(manifestFile(1)));
    // renumbered: the signature no longer matches
    Files.writeString(manifestFile(4), Files.readString(manifestFile(1)).replace("\"version\" : 1,", "\"version\" : 4,"));
    try (ModelService server = server(Map.of("k1", K1.getPublic()))) {
      assertTrue(refusal(server, "m:3").contains("describes m:1"));
      assertTrue(refusal(server, "m:4").contains("altered after it was signed"));
      assertTrue(refusal(server, "m").contains("altered after it was signed"), "latest is 4, and refused");
      assertEquals(2, server.predict(ModelRef.parse("m:2"), ROW).version().version());
    }
  }

  @Test
  void theVersionServingKeepsServingWhenATamperedOneIsPromoted() throws Exception {
    try (ModelService deployer = deployer("k1", K1)) {
      deployer.deploy("m", a);
      deployer.setAlias("m", "prod", 1);
    }
    try (ModelService plain = builder().build()) {
      plain.deploy("m", b); // unsigned m:2
    }
    try (ModelService server = builder().trustedKeys(Map.of("k1", K1.getPublic())).refreshInterval(java.time.Duration.ofHours(1))
        .build()) {
      assertEquals(1, server.predict(ModelRef.parse("m@prod"), ROW).version().version());
      // promoting through the verifying service is refused outright
      assertThrows(IntegrityException.class, () -> server.setAlias("m", "prod", 2));
      // promoted by someone else sharing the store: the swap fails, version 1 keeps serving
      try (ModelService plain = builder().build()) {
        plain.setAlias("m", "prod", 2);
      }
      server.refresh();
      assertEquals(2, server.alias("m", "prod").orElseThrow().version(), "the server saw the alias move");
      assertEquals(1, server.predict(ModelRef.parse("m@prod"), ROW).version().version());
    }
  }

  // ------------------------------------------------------------------ configuration

  @Test
  void misconfiguredKeysFailAtBuild() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> builder().trustedKeys(Map.of()));
    KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    assertThrows(IllegalArgumentException.class, () -> builder().signWith("k", rsa.getPrivate()));
    assertThrows(IllegalArgumentException.class, () -> builder().trustedKeys(Map.of("k", rsa.getPublic())));
    assertThrows(IllegalArgumentException.class, () -> builder().signWith("bad id", K1.getPrivate()));
    // a service that would refuse its own deploys
    assertTrue(assertThrows(IllegalStateException.class, () -> builder().signWith("k1", K1.getPrivate())
        .trustedKeys(Map.of("k2", K2.getPublic())).build()).getMessage().contains("not among the trusted keys"));
    assertTrue(assertThrows(IllegalStateException.class, () -> builder().signWith("k1", K1.getPrivate())
        .trustedKeys(Map.of("k1", K2.getPublic())).build()).getMessage().contains("not the public half"));
    try (ModelService both = builder().signWith("k1", K1.getPrivate()).trustedKeys(Map.of("k1", K1.getPublic())).build()) {
      both.deploy("m", a);
      assertEquals(1, both.predict(ModelRef.parse("m"), ROW).version().version());
    }
    assertFalse(Files.readString(manifestFile(1), StandardCharsets.UTF_8).isEmpty());
  }
}
