package dev.maas.onnx.security;

import dev.maas.IntegrityException;
import dev.maas.Names;
import dev.maas.StoreException;
import dev.maas.spi.ModelStore;
import dev.maas.spi.StoredDocument;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A model store in memory, for fuzzing at the speed of the code under test rather than of a disk's
 * fsync. It keeps the store contract (create-if-absent manifests, compare-and-set aliases, checked
 * blob digests) for the service, and lets a test play the tamperer: {@link #tamperBlob}, {@link
 * #tamperManifest} and {@link #tamperAlias} write whatever bytes they are given.
 */
final class MemoryStore implements ModelStore {
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentSkipListMap<Long, byte[]>> manifests = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentSkipListMap<String, byte[]>> aliases = new ConcurrentHashMap<>();

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public String describe() {
    return "memory:";
  }

  @Override
  public boolean hasBlob(String sha256) {
    return blobs.containsKey(Names.checkSha256(sha256));
  }

  @Override
  public void putBlob(String sha256, Path file) {
    Names.checkSha256(sha256);
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StoreException("cannot read " + file + ": " + e, e);
    }
    if (!sha256(b).equals(sha256)) {
      throw new IntegrityException("content of " + file + " is not " + sha256);
    }
    blobs.putIfAbsent(sha256, b);
  }

  /** Stores any bytes under their own digest (as a tamperer with write access could); returns the digest. */
  String tamperBlob(byte[] b) {
    String sha = sha256(b);
    blobs.put(sha, b.clone());
    return sha;
  }

  /** Stores {@code content} under {@code sha256}, which need not be its digest. */
  void tamperBlob(String sha256, byte[] content) {
    blobs.put(sha256, content.clone());
  }

  @Override
  public InputStream openBlob(String sha256) {
    byte[] b = blobs.get(Names.checkSha256(sha256));
    if (b == null) {
      throw new StoreException("blob " + sha256 + " is not in the store");
    }
    return new ByteArrayInputStream(b);
  }

  @Override
  public List<String> models() {
    List<String> out = new ArrayList<>();
    manifests.forEach((m, vs) -> {
      if (!vs.isEmpty()) {
        out.add(m);
      }
    });
    out.sort(null);
    return out;
  }

  @Override
  public List<Long> versions(String model) {
    Names.checkModelName(model);
    Map<Long, byte[]> vs = manifests.get(model);
    return vs == null ? List.of() : new ArrayList<>(vs.keySet());
  }

  @Override
  public boolean createManifest(String model, long version, byte[] content) {
    Names.checkModelName(model);
    Names.checkVersion(version);
    return manifests.computeIfAbsent(model, k -> new ConcurrentSkipListMap<>()).putIfAbsent(version, content.clone()) == null;
  }

  /** Replaces (or creates) a manifest with any bytes. */
  void tamperManifest(String model, long version, byte[] content) {
    manifests.computeIfAbsent(model, k -> new ConcurrentSkipListMap<>()).put(version, content.clone());
  }

  @Override
  public Optional<byte[]> readManifest(String model, long version) {
    Names.checkModelName(model);
    Map<Long, byte[]> vs = manifests.get(model);
    byte[] b = vs == null ? null : vs.get(version);
    return Optional.ofNullable(b == null ? null : b.clone());
  }

  @Override
  public boolean deleteManifest(String model, long version) {
    Names.checkModelName(model);
    Map<Long, byte[]> vs = manifests.get(model);
    return vs != null && vs.remove(version) != null;
  }

  @Override
  public List<String> aliases(String model) {
    Names.checkModelName(model);
    Map<String, byte[]> as = aliases.get(model);
    return as == null ? List.of() : new ArrayList<>(new TreeMap<>(as).keySet());
  }

  @Override
  public Optional<StoredDocument> readAlias(String model, String alias) {
    Names.checkModelName(model);
    Names.checkAliasName(alias);
    Map<String, byte[]> as = aliases.get(model);
    byte[] b = as == null ? null : as.get(alias);
    return b == null ? Optional.empty() : Optional.of(new StoredDocument(b.clone(), sha256(b)));
  }

  @Override
  public synchronized boolean writeAlias(String model, String alias, byte[] content, String expectedEtag) {
    Names.checkModelName(model);
    Names.checkAliasName(alias);
    Map<String, byte[]> as = aliases.computeIfAbsent(model, k -> new ConcurrentSkipListMap<>());
    byte[] current = as.get(alias);
    if (current == null ? expectedEtag != null : !sha256(current).equals(expectedEtag)) {
      return false;
    }
    as.put(alias, content.clone());
    return true;
  }

  /** Replaces (or creates) an alias record with any bytes. */
  void tamperAlias(String model, String alias, byte[] content) {
    aliases.computeIfAbsent(model, k -> new ConcurrentSkipListMap<>()).put(alias, content.clone());
  }

  @Override
  public synchronized boolean deleteAlias(String model, String alias, String expectedEtag) {
    Map<String, byte[]> as = aliases.get(Names.checkModelName(model));
    byte[] current = as == null ? null : as.get(Names.checkAliasName(alias));
    if (current == null || !sha256(current).equals(expectedEtag)) {
      return false;
    }
    as.remove(alias);
    return true;
  }
}
