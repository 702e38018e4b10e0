package dev.maas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreSpecTest {

  @Test
  void plainPathsAndFileUrisAreAbsoluteDirectories() {
    assertEquals(Optional.of(Path.of("/data/models")), StoreSpec.parse("/data/models").directory());
    assertEquals(Optional.of(Path.of("/data/models")), StoreSpec.parse("file:/data/models").directory());
    assertEquals(Optional.of(Path.of("/data/models")), StoreSpec.parse("file:///data/models/").directory());
    assertEquals(Optional.of(Path.of("/data/models")), StoreSpec.parse("/data/x/../models").directory());
    Path relative = StoreSpec.parse("models").directory().orElseThrow();
    assertTrue(relative.isAbsolute(), relative.toString());
    assertEquals(Path.of("models").toAbsolutePath(), relative);
    assertEquals(StoreSpec.Kind.FILE, StoreSpec.directory(Path.of("m")).kind());
    assertEquals(URI.create("file:///data/models"), StoreSpec.parse("/data/models").uri());
  }

  @Test
  void s3LocationsKeepBucketPrefixEndpointAndRegion() {
    StoreSpec s = StoreSpec.parse("s3://models-bucket/team/prod/")
        .withEndpoint(URI.create("http://minio:9000")).withRegion("eu-west-1").withPathStyle(true);
    assertEquals(StoreSpec.Kind.S3, s.kind());
    assertEquals(Optional.of("models-bucket"), s.bucket());
    assertEquals(Optional.of("team/prod"), s.prefix());
    assertEquals(Optional.of(URI.create("http://minio:9000")), s.endpoint());
    assertEquals(Optional.of("eu-west-1"), s.region());
    assertTrue(s.pathStyle());
    assertEquals(URI.create("s3://models-bucket/team/prod"), s.uri());
    assertEquals(Optional.of(""), StoreSpec.parse("s3://b").prefix());
    assertEquals(StoreSpec.s3("b", "/p/"), StoreSpec.parse("s3://b/p"));
  }

  @Test
  void badLocationsAndMisplacedSettingsAreRefusedAtOnce() {
    assertThrows(IllegalArgumentException.class, () -> StoreSpec.parse("hdfs://nn/models"));
    assertThrows(IllegalArgumentException.class, () -> StoreSpec.parse(" "));
    assertThrows(IllegalArgumentException.class, () -> StoreSpec.s3("", "p"));
    assertThrows(IllegalArgumentException.class, () -> StoreSpec.s3("a/b", "p"));
    StoreSpec file = StoreSpec.parse("/m");
    assertThrows(IllegalStateException.class, () -> file.withRegion("us-east-1"));
    assertThrows(IllegalStateException.class, () -> file.withEndpoint(URI.create("http://x")));
    assertThrows(IllegalStateException.class, () -> file.withPathStyle(true));
    assertThrows(IllegalStateException.class, () -> file.withCache(Path.of("/c"), 1));
    assertThrows(IllegalArgumentException.class, () -> StoreSpec.s3("b", "").withCache(Path.of("/c"), 0));
  }

  @Test
  void anS3SpecHasADefaultCacheAndKeepsOneSetAsPartOfItsValue() {
    StoreSpec s = StoreSpec.s3("b", "p");
    assertEquals(Optional.empty(), s.cacheDirectory());
    assertEquals(StoreSpec.DEFAULT_CACHE_BYTES, s.cacheBytes());
    StoreSpec cached = s.withCache(Path.of("/mnt/cache"), 1 << 30).withRegion("eu-west-1");
    assertEquals(Optional.of(Path.of("/mnt/cache")), cached.cacheDirectory());
    assertEquals(1 << 30, cached.cacheBytes());
    assertTrue(cached.toString().contains("/mnt/cache"), cached.toString());
    // Specs that differ only in their cache make different executor services.
    assertTrue(!cached.equals(s.withRegion("eu-west-1")));
    assertEquals(cached, StoreSpec.s3("b", "p").withRegion("eu-west-1").withCache(Path.of("/mnt/cache"), 1 << 30));
  }

  @Test
  void aSpecSurvivesSerializationAsAnEqualValue() throws Exception {
    StoreSpec s = StoreSpec.s3("b", "p").withRegion("us-east-1").withCache(Path.of("/c"), 5);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      StoreSpec back = (StoreSpec) in.readObject();
      assertEquals(s, back);
      assertEquals(s.hashCode(), back.hashCode());
      assertEquals(s.toString(), back.toString());
    }
  }
}
