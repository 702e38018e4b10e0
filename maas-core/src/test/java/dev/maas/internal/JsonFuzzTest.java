package dev.maas.internal;

import static dev.maas.internal.JsonFixtures.ALIAS;
import static dev.maas.internal.JsonFixtures.MANIFEST;
import static dev.maas.internal.JsonFixtures.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.maas.IntegrityException;
import dev.maas.ModelLoadException;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Whatever bytes a store hands back, reading them either succeeds with a document for the name
 * asked for, or fails with IntegrityException (or ModelLoadException for a newer schema) — never
 * with another exception that would escape the store's error handling.
 */
class JsonFuzzTest {
  private static final byte[] MANIFEST_JSON = Json.write(MANIFEST);
  private static final byte[] ALIAS_JSON = Json.write(ALIAS);

  private static String readManifestCleanly(byte[] json) {
    Manifest m;
    try {
      m = Json.readManifest(json, VERSION);
    } catch (IntegrityException e) {
      return "integrity";
    } catch (ModelLoadException e) {
      return "newer schema";
    }
    assertEquals(VERSION, m.modelVersion(), "a manifest read for iris:3 describes iris:3");
    return "read";
  }

  private static String readAliasCleanly(byte[] json) {
    Alias a;
    try {
      a = Json.readAlias(json, "iris", "prod");
    } catch (IntegrityException e) {
      return "integrity";
    }
    assertEquals("iris", a.model());
    assertEquals("prod", a.name());
    return "read";
  }

  @Example
  void theUnmutatedDocumentsRead() {
    assertEquals("read", readManifestCleanly(MANIFEST_JSON));
    assertEquals("read", readAliasCleanly(ALIAS_JSON));
  }

  @Property(tries = 1000)
  void randomBytesFailCleanly(@ForAll @Size(max = 300) byte[] junk) {
    readManifestCleanly(junk);
    readAliasCleanly(junk);
  }

  /** Text made of the characters JSON and the manifest are built from, so that it often parses partway. */
  @Provide
  Arbitrary<String> jsonish() {
    return Arbitraries.strings().withChars("{}[]\":,0123456789-.eEtruefalsn \nabcdfmoy_".toCharArray())
        .ofMaxLength(120);
  }

  @Property(tries = 1000)
  void jsonLikeTextFailsCleanly(@ForAll("jsonish") String text) {
    byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    readManifestCleanly(b);
    readAliasCleanly(b);
  }

  @Provide
  Arbitrary<Integer> manifestPositions() {
    return Arbitraries.integers().between(0, MANIFEST_JSON.length - 1);
  }

  @Provide
  Arbitrary<Integer> aliasPositions() {
    return Arbitraries.integers().between(0, ALIAS_JSON.length - 1);
  }

  /** Most mutations break the document; some (inside a label, a file name) leave it readable. Both must happen. */
  @Property(tries = 2000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void singleByteMutationsOfAManifestFailCleanly(@ForAll("manifestPositions") int at, @ForAll byte value) {
    byte[] b = MANIFEST_JSON.clone();
    b[at] = value;
    Statistics.collect(readManifestCleanly(b));
    Statistics.coverage(c -> {
      c.check("read").percentage(p -> p > 0.5);
      c.check("integrity").percentage(p -> p > 50);
    });
  }

  @Property(tries = 2000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void singleByteMutationsOfAnAliasFailCleanly(@ForAll("aliasPositions") int at, @ForAll byte value) {
    byte[] b = ALIAS_JSON.clone();
    b[at] = value;
    Statistics.collect(readAliasCleanly(b));
    Statistics.coverage(c -> {
      c.check("read").percentage(p -> p > 0.5);
      c.check("integrity").percentage(p -> p > 50);
    });
  }

  @Property(tries = 1000)
  void deletingAByteRangeFailsCleanly(@ForAll("manifestPositions") int from, @ForAll("manifestPositions") int to) {
    int lo = Math.min(from, to);
    int hi = Math.max(from, to);
    byte[] b = new byte[MANIFEST_JSON.length - (hi - lo)];
    System.arraycopy(MANIFEST_JSON, 0, b, 0, lo);
    System.arraycopy(MANIFEST_JSON, hi, b, lo, MANIFEST_JSON.length - hi);
    readManifestCleanly(b);
  }
}
