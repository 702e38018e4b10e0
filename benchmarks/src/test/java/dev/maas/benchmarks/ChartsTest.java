package dev.maas.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The charts render headless into PNG files of the expected size. */
class ChartsTest {
  @TempDir
  Path dir;

  @Test
  void writesAThroughputAndALatencyPngPerModel() throws Exception {
    ReportTest.mlpRun().writeTo(dir);
    Report r = new Report();
    r.load(dir);
    List<Path> files = Charts.write(dir, r.machine(), r.figures());
    assertEquals(List.of(dir.resolve("throughput-mlp.png"), dir.resolve("latency-mlp.png")), files);
    for (Path f : files) {
      byte[] png = Files.readAllBytes(f);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4), f + " is not a PNG");
      BufferedImage image = ImageIO.read(f.toFile());
      assertNotNull(image);
      assertEquals(960, image.getWidth());
      assertEquals(600, image.getHeight());
    }
  }
}
