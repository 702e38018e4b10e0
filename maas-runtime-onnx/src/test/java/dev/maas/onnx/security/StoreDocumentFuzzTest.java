package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.ConflictException;
import dev.maas.DeadlineExceededException;
import dev.maas.InferenceRequest;
import dev.maas.IntegrityException;
import dev.maas.LimitExceededException;
import dev.maas.MaasException;
import dev.maas.ModelLoadException;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.StoreException;
import dev.maas.Tensor;
import dev.maas.VersionNotFoundException;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.InputLimits;
import dev.maas.testing.Fuzzing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.maas.DeployOptions;
import dev.maas.batch.BatchingPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Random and mutated manifests and alias records, written into the store behind the service's back
 * as a tamperer would (an in-memory store: the cases run at the speed of the code, not of fsync): every call that reads them ends with a result or a documented typed
 * exception (an integrity failure, a limit, a load failure, a missing blob, a deadline that a
 * spoilt batching policy lets pass), never a hang or another exception.
 */
@AddLifecycleHook(Fuzzing.class)
class StoreDocumentFuzzTest {
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
  private static final Set<Class<? extends MaasException>> ALLOWED = Set.of(IntegrityException.class,
      LimitExceededException.class, ModelLoadException.class, StoreException.class, ConflictException.class,
      VersionNotFoundException.class, DeadlineExceededException.class);

  private static Path dir;
  private static MemoryStore store;
  private static OnnxRuntime onnx;
  private static ModelService maas;
  private static String manifest;
  private static String alias;
  private static final AtomicLong NEXT = new AtomicLong(100);

  @BeforeContainer
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("maas-document-fuzz");
    store = new MemoryStore();
    onnx = OnnxRuntime.create();
    Path model = Files.write(dir.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1));
    maas = ModelService.builder().store(store).runtime(onnx)
        .inputLimits(InputLimits.defaults().withMaxManifestBytes(64 << 10).withMaxJsonDepth(32))
        .refreshInterval(java.time.Duration.ofHours(1)).build();
    // Every part of the format present, so that every part gets spoilt.
    maas.deploy("m", model, DeployOptions.defaults().withLabel("team", "ml").withWarmup(ROW)
        .withBatching(BatchingPolicy.defaults().withMaxBatchSize(4).withInstances(2)
            .withPreferredBatchSizes(List.of(2, 4)).withDefaultTimeout(java.time.Duration.ofMillis(300))));
    maas.setAlias("m", "prod", 1);
    manifest = new String(store.readManifest("m", 1).orElseThrow(), StandardCharsets.UTF_8);
    alias = new String(store.readAlias("m", "prod").orElseThrow().content(), StandardCharsets.UTF_8);
  }

  @AfterContainer
  static void tearDown() throws Exception {
    maas.close();
    onnx.close();
    try (var all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** How to spoil a document. */
  enum Spoil { FLIP_BYTE, DELETE_RANGE, INSERT_BYTES, TRUNCATE, DUPLICATE_RANGE, RANDOM_BYTES, JSONISH, DEEP, HUGE, VALUE, VALUE2 }

  /** Values a tamperer might put in place of any field's: extremes, wrong types, nothing. */
  private static final List<JsonNode> HOSTILE_VALUES = List.of(
      LongNode.valueOf(Long.MAX_VALUE), LongNode.valueOf(Long.MIN_VALUE), IntNode.valueOf(-1), IntNode.valueOf(0),
      IntNode.valueOf(Integer.MAX_VALUE), LongNode.valueOf(1L << 31), LongNode.valueOf(1L << 40),
      DoubleNode.valueOf(1e308), DoubleNode.valueOf(-1e-308), DoubleNode.valueOf(0.5),
      TextNode.valueOf(""), TextNode.valueOf("x".repeat(1000)), TextNode.valueOf("PT-1S"), TextNode.valueOf("P9999999999D"),
      TextNode.valueOf("9999-12-31T23:59:59Z"), TextNode.valueOf("NaN"), TextNode.valueOf("../../etc/passwd"),
      TextNode.valueOf("0".repeat(64)), NullNode.getInstance(), BooleanNode.TRUE,
      JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.objectNode(),
      JsonNodeFactory.instance.arrayNode().add(LongNode.valueOf(1L << 40)).add(IntNode.valueOf(-1)));
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** {@code base} with {@code count} of its values, anywhere in the tree, replaced by hostile ones. */
  static byte[] hostileValues(String base, int count, Random r) {
    try {
      JsonNode tree = JSON.readTree(base);
      for (int i = 0; i < count; i++) {
        List<JsonNode[]> places = new ArrayList<>(); // {parent, key-or-index holder}
        collect(tree, places);
        JsonNode[] place = places.get(r.nextInt(places.size()));
        JsonNode value = HOSTILE_VALUES.get(r.nextInt(HOSTILE_VALUES.size())).deepCopy(); // never shared: no cycles
        if (place[0].isObject()) {
          ((ObjectNode) place[0]).set(place[1].asText(), value);
        } else {
          ((ArrayNode) place[0]).set(place[1].asInt(), value);
        }
      }
      return JSON.writeValueAsBytes(tree);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void collect(JsonNode n, List<JsonNode[]> out) {
    if (n.isObject()) {
      n.fieldNames().forEachRemaining(f -> {
        out.add(new JsonNode[] {n, TextNode.valueOf(f)});
        collect(n.get(f), out);
      });
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(new JsonNode[] {n, IntNode.valueOf(i)});
        collect(n.get(i), out);
      }
    }
  }

  /** A document made from {@code base} by {@code how}, with randomness from {@code seed}. */
  static byte[] spoil(String base, Spoil how, long seed) {
    Random r = new Random(seed);
    byte[] b = base.getBytes(StandardCharsets.UTF_8);
    int at = r.nextInt(b.length);
    int to = Math.min(b.length, at + 1 + r.nextInt(40));
    switch (how) {
      case FLIP_BYTE: {
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        return c;
      }
      case DELETE_RANGE:
        return concat(slice(b, 0, at), slice(b, to, b.length));
      case INSERT_BYTES: {
        byte[] junk = new byte[1 + r.nextInt(8)];
        r.nextBytes(junk);
        return concat(slice(b, 0, at), junk, slice(b, at, b.length));
      }
      case TRUNCATE:
        return slice(b, 0, at);
      case DUPLICATE_RANGE:
        return concat(slice(b, 0, to), slice(b, at, b.length));
      case RANDOM_BYTES: {
        byte[] junk = new byte[r.nextInt(400)];
        r.nextBytes(junk);
        return junk;
      }
      case JSONISH: {
        char[] alphabet = "{}[]\":,0123456789-.eEtruefalsn \nabcdfmoy_".toCharArray();
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(200); i > 0; i--) {
          sb.append(alphabet[r.nextInt(alphabet.length)]);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
      }
      case DEEP: {
        int depth = 1 + r.nextInt(3000);
        String open = r.nextBoolean() ? "[" : "{\"a\":";
        return (open.repeat(depth) + "1" + (open.equals("[") ? "]" : "}").repeat(depth)).getBytes(StandardCharsets.UTF_8);
      }
      case VALUE:
        return hostileValues(base, 1, r);
      case VALUE2:
        return hostileValues(base, 2 + r.nextInt(3), r);
      default: {
        // a label as large as the limit, or larger, at the start of the document
        int size = (60 << 10) + r.nextInt(10 << 10);
        return base.replaceFirst("\\{", "{\"padding\" : \"" + "p".repeat(size) + "\",").getBytes(StandardCharsets.UTF_8);
      }
    }
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, Math.max(from, to));
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Provide
  Arbitrary<Spoil> spoils() {
    return Arbitraries.of(Spoil.class);
  }

  @Property(tries = 10_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyAliasRecordReadsOrFailsTyped(@ForAll("spoils") Spoil how, @ForAll long seed) throws Exception {
    store.tamperAlias("m", "prod", spoil(alias, how, seed));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.alias("m", "prod")));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.aliases("m")));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.rollback("m", "prod")));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.setAlias("m", "prod", 1)));
  }

  /**
   * A spoilt manifest stored as a new version: reading it and running it end typed; a version whose
   * manifest is read fine loads the untouched model. Each case's version is removed after, so the
   * loaded models do not pile up.
   */
  @Property(tries = 4_000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void anyManifestReadsOrFailsTyped(@ForAll("spoils") Spoil how, @ForAll long seed) throws Exception {
    long v = NEXT.incrementAndGet();
    String base = manifest.replace("\"version\" : 1,", "\"version\" : " + v + ",");
    assertTrue(!base.equals(manifest));
    store.tamperManifest("m", v, spoil(base, how, seed));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.manifest(ModelRef.of("m", v))));
    Statistics.collect(Bounded.run(ALLOWED, () -> maas.predict(ModelRef.of("m", v), ROW)));
    Bounded.run(ALLOWED, () -> {
      maas.undeploy("m", v);
      return null;
    });
    store.deleteManifest("m", v);
  }
}
