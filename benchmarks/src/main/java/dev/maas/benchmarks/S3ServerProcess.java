package dev.maas.benchmarks;

import dev.maas.storage.s3.LocalS3;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmarks' local S3 server (S3Proxy, filesystem backend) in a process of its own, so that
 * the clients measured by {@link S3FirstLoad} start fresh while the server is as warm as a real S3
 * service always is. Prints {@code endpoint=URI secret=KEY bucket=NAME} once it serves, then runs
 * until its standard input closes.
 */
public final class S3ServerProcess {
  private S3ServerProcess() {}

  /**
   * Serves {@code args[0]} (a directory) until standard input closes.
   *
   * @param args the data directory
   * @throws Exception if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    try (LocalS3 s3 = LocalS3.onDisk(Files.createDirectories(Path.of(args[0])))) {
      String bucket = s3.createBucket("bench");
      System.out.println("endpoint=" + s3.endpoint() + " secret=" + s3.secretKey() + " bucket=" + bucket);
      System.out.flush();
      while (System.in.read() >= 0) {
        // runs until the parent closes our input (or dies)
      }
    }
    System.exit(0);
  }
}
