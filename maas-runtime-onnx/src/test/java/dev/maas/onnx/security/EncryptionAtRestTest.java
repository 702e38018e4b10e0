package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.IntegrityException;
import dev.maas.InvalidInputException;
import dev.maas.LimitExceededException;
import dev.maas.ModelLoadException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.KeyProvider;
import dev.maas.security.PKCS12KeyProvider;
import dev.maas.security.SigningKeys;
import dev.maas.version.BlobEncryption;
import dev.maas.version.BlobRef;
import dev.maas.version.Manifest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyPair;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models encrypted at rest: they run; the store holds only ciphertext; after a load no plaintext is
 * on disk (store, temp directory); a wrong key, a missing key, or an altered ciphertext, nonce or
 * wrapped key fails clearly; a model too large to encrypt in memory is refused before it is read.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EncryptionAtRestTest {
  private static final SecretKey MASTER = aes();
  private static OnnxRuntime onnx;

  @TempDir Path tmp;
  Path storeDir;
  long seed;
  byte[] plaintext;
  Path modelFile;
  KeyProvider keys;

  static SecretKey aes() {
    try {
      KeyGenerator g = KeyGenerator.getInstance("AES");
      g.init(256);
      return g.generateKey();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @BeforeAll
  static void runtime() {
    onnx = OnnxRuntime.create();
  }

  @AfterAll
  static void close() {
    onnx.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    storeDir = tmp.resolve("store");
    // A model no earlier run made: its bytes can only be on disk if this run put them there.
    seed = System.nanoTime();
    plaintext = SampleModels.mlp(4, 16, 3, seed);
    modelFile = Files.write(tmp.resolve("secret.onnx"), plaintext);
    keys = KeyProvider.of(Map.of("models-2026", MASTER));
  }

  private ModelService.Builder builder() {
    return ModelService.builder().storeDirectory(storeDir).runtime(onnx);
  }

  private Tensor x() {
    return Tensor.of(new float[] {1, -2, 3, 0.5f}, 1, 4);
  }

  private float[] expected() {
    return SampleModels.mlpReference(4, 16, 3, seed, x()).toFloatArray();
  }

  private float[] predict(ModelService maas, String ref) {
    return maas.predict(ModelRef.parse(ref), InferenceRequest.of("x", x())).output("y").toFloatArray();
  }

  private Path manifestFile(long v) {
    return storeDir.resolve("models/m/versions/" + v + ".json");
  }

  private Path blobOf(Manifest m) {
    return storeDir.resolve("blobs/sha256/" + m.modelBlob().orElseThrow().sha256());
  }

  private void deployEncrypted(ModelService.Builder b) {
    try (ModelService deployer = b.keyProvider(keys).build()) {
      deployer.deploy("m", modelFile, DeployOptions.defaults().withEncryption("models-2026"));
    }
  }

  @Test
  void anEncryptedModelRunsAndTheStoreHoldsOnlyCiphertext() throws Exception {
    Manifest m;
    try (ModelService maas = builder().keyProvider(keys).build()) {
      maas.deploy("m", modelFile, DeployOptions.defaults().withEncryption("models-2026"));
      assertArrayEquals(expected(), predict(maas, "m"), 1e-5f);
      m = maas.manifest(ModelRef.parse("m:1"));
    }
    BlobRef blob = m.modelBlob().orElseThrow();
    BlobEncryption enc = blob.encryption();
    assertNotNull(enc);
    assertEquals(BlobEncryption.AES_256_GCM, enc.algorithm());
    assertEquals("models-2026", enc.keyAlias());
    assertEquals(plaintext.length, enc.plaintextSize());
    assertEquals(plaintext.length + 16, blob.size());
    byte[] stored = Files.readAllBytes(blobOf(m));
    assertEquals(blob.size(), stored.length);
    assertEquals(-1, indexOf(stored, window()), "the stored blob is ciphertext");
  }

  /** The part of the model that identifies it: 48 bytes of its weights, found once in its file. */
  private byte[] window() {
    int at = plaintext.length / 2;
    byte[] w = java.util.Arrays.copyOfRange(plaintext, at, at + 48);
    assertEquals(at, indexOf(plaintext, w));
    return w;
  }

  @Test
  void noPlaintextModelIsOnDiskAfterALoad() throws Exception {
    long start = System.currentTimeMillis();
    byte[] window = window();
    // The scan finds the model where it is in plaintext: the deployer's own file.
    assertEquals(List.of(modelFile), filesHolding(window, start, tmp));
    deployEncrypted(builder());
    Files.delete(modelFile); // the deployer's own copy, which it was handed
    try (ModelService server = builder().keyProvider(keys).build()) {
      assertArrayEquals(expected(), predict(server, "m:1"), 1e-5f);
      // While the model is loaded and after: the store, the temp directory (where the JVM and ONNX
      // Runtime put their files) and this test's directory hold no copy of it.
      assertEquals(List.of(), filesHolding(window, start, storeDir, tmp, Path.of(System.getProperty("java.io.tmpdir"))));
    }
    assertEquals(List.of(), filesHolding(window, start, storeDir, tmp, Path.of(System.getProperty("java.io.tmpdir"))));
  }

  /**
   * Regular files under {@code roots} (links not followed) that contain {@code window}. Only files
   * changed since {@code since} are read: the model was generated in this run, from a fresh seed,
   * so a file unchanged since before cannot hold it — and the temp directory is shared with others.
   */
  static List<Path> filesHolding(byte[] window, long since, Path... roots) throws IOException {
    List<Path> found = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && attrs.size() >= window.length && attrs.lastModifiedTime().toMillis() >= since - 2000) {
            try {
              if (contains(file, window)) {
                found.add(file);
              }
            } catch (IOException e) {
              // gone or unreadable meanwhile: not ours
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    }
    return found;
  }

  /** Whether the file contains {@code window}, read in chunks that overlap by the window's length. */
  static boolean contains(Path file, byte[] window) throws IOException {
    byte[] buf = new byte[1 << 20];
    int kept = 0;
    try (var in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf, kept, buf.length - kept)) > 0; ) {
        int len = kept + n;
        if (indexOf(java.util.Arrays.copyOf(buf, len), window) >= 0) {
          return true;
        }
        kept = Math.min(window.length - 1, len);
        System.arraycopy(buf, len - kept, buf, 0, kept);
      }
    }
    return false;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void aWrongOrMissingKeyFailsClearlyAndTheServingVersionStays() throws Exception {
    try (ModelService plain = builder().build()) {
      plain.deploy("m", Files.write(tmp.resolve("plain.onnx"), SampleModels.mlp(4, 8, 3, 1)));
      plain.setAlias("m", "prod", 1);
    }
    deployEncrypted(builder()); // m:2
    KeyProvider wrong = KeyProvider.of(Map.of("models-2026", aes()));
    try (ModelService server = builder().keyProvider(wrong).build()) {
      assertEquals(1, server.predict(ModelRef.parse("m@prod"), InferenceRequest.of("x", x())).version().version());
      String msg = assertThrows(IntegrityException.class, () -> predict(server, "m:2")).getMessage();
      assertTrue(msg.contains("m:2") && msg.contains("not the one that wrapped it"), msg);
      // The alias moves in the store, but the swap needs a load, which fails: version 1 keeps serving.
      server.setAlias("m", "prod", 2);
      assertEquals(1, server.predict(ModelRef.parse("m@prod"), InferenceRequest.of("x", x())).version().version());
    }
    try (ModelService noKeys = builder().build()) {
      assertTrue(assertThrows(ModelLoadException.class, () -> predict(noKeys, "m:2")).getMessage().contains("no key provider"));
    }
    try (ModelService otherAlias = builder().keyProvider(KeyProvider.of(Map.of("other", MASTER))).build()) {
      assertTrue(assertThrows(ModelLoadException.class, () -> predict(otherAlias, "m:2")).getMessage().contains("does not hold"));
    }
  }

  @Test
  void aFlippedCiphertextByteIsCaughtByItsDigestAndByGcm() throws Exception {
    deployEncrypted(builder());
    Manifest m;
    try (ModelService server = builder().keyProvider(keys).build()) {
      m = server.manifest(ModelRef.parse("m:1"));
    }
    Path blob = blobOf(m);
    byte[] c = Files.readAllBytes(blob);
    c[c.length / 2] ^= 0x01;
    Files.write(blob, c);
    try (ModelService server = builder().keyProvider(keys).build()) {
      assertTrue(assertThrows(IntegrityException.class, () -> predict(server, "m:1")).getMessage().contains("does not match"));
    }
    // Someone who can write the store and the (unsigned) manifest fixes the digest too: GCM still catches it.
    String digest = dev.maas.internal.Digests.sha256(c);
    Files.write(storeDir.resolve("blobs/sha256/" + digest), c);
    Files.writeString(manifestFile(1), Files.readString(manifestFile(1)).replace(m.modelBlob().orElseThrow().sha256(), digest));
    try (ModelService server = builder().keyProvider(keys).build()) {
      assertTrue(assertThrows(IntegrityException.class, () -> predict(server, "m:1")).getMessage().contains("does not authenticate"));
    }
  }

  @Test
  void aFlippedWrappedKeyOrNonceIsCaught() throws Exception {
    deployEncrypted(builder());
    deployEncrypted(builder());
    BlobEncryption e1;
    BlobEncryption e2;
    try (ModelService server = builder().keyProvider(keys).build()) {
      e1 = server.manifest(ModelRef.parse("m:1")).modelBlob().orElseThrow().encryption();
      e2 = server.manifest(ModelRef.parse("m:2")).modelBlob().orElseThrow().encryption();
    }
    Files.writeString(manifestFile(1), Files.readString(manifestFile(1)).replace(e1.wrappedKey(), flipped(e1.wrappedKey())));
    Files.writeString(manifestFile(2), Files.readString(manifestFile(2)).replace(e2.iv(), flipped(e2.iv())));
    try (ModelService server = builder().keyProvider(keys).build()) {
      assertTrue(assertThrows(IntegrityException.class, () -> predict(server, "m:1")).getMessage().contains("wrapped it"));
      assertTrue(assertThrows(IntegrityException.class, () -> predict(server, "m:2")).getMessage().contains("does not authenticate"));
    }
  }

  /** One bit of the middle byte flipped, re-encoded. */
  private static String flipped(String base64) {
    byte[] b = Base64.getDecoder().decode(base64);
    b[b.length / 2] ^= 0x04;
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void withSignedManifestsATamperedWrappedKeyIsCaughtBeforeDecryption() throws Exception {
    KeyPair k = SigningKeys.generate();
    deployEncrypted(builder().signWith("k1", k.getPrivate()));
    String json = Files.readString(manifestFile(1));
    String wrapped = json.replaceAll("(?s).*\"wrappedKey\" : \"([^\"]+)\".*", "$1");
    Files.writeString(manifestFile(1), json.replace(wrapped, flipped(wrapped)));
    try (ModelService server = builder().keyProvider(keys).trustedKeys(Map.of("k1", k.getPublic())).build()) {
      assertTrue(assertThrows(IntegrityException.class, () -> predict(server, "m:1")).getMessage()
          .contains("altered after it was signed"));
    }
  }

  @Test
  void anEncryptedDeployThatCannotWorkIsRefusedBeforeAnythingIsPublished() throws Exception {
    try (ModelService noKeys = builder().build()) {
      assertThrows(InvalidInputException.class,
          () -> noKeys.deploy("m", modelFile, DeployOptions.defaults().withEncryption("models-2026")));
    }
    try (ModelService maas = builder().keyProvider(keys).build()) {
      assertThrows(InvalidInputException.class,
          () -> maas.deploy("m", modelFile, DeployOptions.defaults().withEncryption("absent")));
      // A sparse file just over the limit: refused by its size, before a byte of it is read.
      Path huge = tmp.resolve("huge.onnx");
      try (FileChannel ch = FileChannel.open(huge, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}), Integer.MAX_VALUE - 8L - 16);
      }
      LimitExceededException e = assertThrows(LimitExceededException.class,
          () -> maas.deploy("m", huge, DeployOptions.defaults().withEncryption("models-2026")));
      assertEquals("maxEncryptedModelBytes", e.limit());
      assertThrows(ModelNotFoundException.class, () -> maas.versions("m"));
    }
    assertFalse(Files.exists(storeDir.resolve("models/m/versions/1.json")));
  }

  /** The shipped provider, over a keystore file, end to end. */
  @Test
  void aPkcs12KeystoreServesAsTheKeyProvider() throws Exception {
    Path store = tmp.resolve("maas-keys.p12");
    char[] pw = "changeit".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, pw);
    ks.setEntry("models-2026", new KeyStore.SecretKeyEntry(MASTER), new KeyStore.PasswordProtection(pw));
    try (OutputStream out = Files.newOutputStream(store)) {
      ks.store(out, pw);
    }
    try (ModelService deployer = builder().keyProvider(PKCS12KeyProvider.open(store, pw)).build()) {
      deployer.deploy("m", modelFile, DeployOptions.defaults().withEncryption("models-2026"));
    }
    try (ModelService server = builder().keyProvider(keys).build()) {
      assertArrayEquals(expected(), predict(server, "m:1"), 1e-5f, "the same master key, in memory");
    }
  }
}
