package dev.maas.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The report's PNG charts, rendered with JFreeChart without a display ({@code java.awt.headless}
 * is set here if nobody set it). Per model measured at N concurrent callers:
 *
 * <ul>
 *   <li>{@code throughput-MODEL.png}: rows/s against N, one line per {@link Contender};
 *   <li>{@code latency-MODEL.png}: p50 (solid) and p99 (dashed) latency against N, one colour per
 *       contender, on a log scale (they span from tens of µs to tens of ms). The ceiling's latency is
 *       the time of its pre-formed batch, which every row of the batch waits.
 * </ul>
 *
 * Each chart's subtitle says on what machine and when the figures were taken. Not thread-safe
 * (AWT); call from one thread.
 */
final class Charts {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 600;
  private static final Color[] COLOURS = {
    new Color(0x1f77b4), // maas: blue
    new Color(0xff7f0e), // raw: orange
    new Color(0x7f7f7f), // ceiling: grey
    new Color(0xd62728), // DJL: red
  };
  private static final Stroke SOLID = new BasicStroke(2.2f);
  private static final Stroke DASHED =
      new BasicStroke(2.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f);

  private Charts() {}

  /**
   * One contender's figures at each caller count of its {@link ModelFigures}; NaN where not measured.
   *
   * @param rowsPerSecond rows per second
   * @param p50Ms median latency, ms
   * @param p99Ms 99th percentile latency, ms
   */
  record Series(double[] rowsPerSecond, double[] p50Ms, double[] p99Ms) {}

  /**
   * What is plotted for one model.
   *
   * @param model the model's short name
   * @param callers the caller counts N, ascending
   * @param series the contenders measured, in {@link Contender} order
   */
  record ModelFigures(String model, int[] callers, Map<Contender, Series> series) {}

  /**
   * Writes both charts of every model into {@code dir}.
   *
   * @param dir the directory, created if missing
   * @param machine the subtitle: machine, profile and date of the run
   * @param figures what to plot, per model
   * @return the files written
   * @throws IOException if a file cannot be written
   */
  static List<Path> write(Path dir, String machine, List<ModelFigures> figures) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    Files.createDirectories(dir);
    List<Path> files = new ArrayList<>();
    for (ModelFigures f : figures) {
      files.add(save(throughput(f, machine), dir.resolve("throughput-" + f.model() + ".png")));
      files.add(save(latency(f, machine), dir.resolve("latency-" + f.model() + ".png")));
    }
    return files;
  }

  private static Path save(JFreeChart chart, Path file) throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    return file;
  }

  /** Rows/s against N, one line per contender. */
  static JFreeChart throughput(ModelFigures f, String machine) {
    DefaultCategoryDataset d = new DefaultCategoryDataset();
    f.series().forEach((c, s) -> add(d, c.label(), f.callers(), s.rowsPerSecond()));
    JFreeChart chart = ChartFactory.createLineChart(
        "Throughput, " + f.model() + ": N concurrent callers, one row per call (higher is better)",
        "concurrent callers N (ceiling: one thread, batches of N rows)", "rows per second", d,
        PlotOrientation.VERTICAL, true, false, false);
    LineAndShapeRenderer r = style(chart, machine);
    int i = 0;
    for (Contender c : f.series().keySet()) {
      r.setSeriesPaint(i, COLOURS[c.ordinal()]);
      r.setSeriesStroke(i++, SOLID);
    }
    ((NumberAxis) chart.getCategoryPlot().getRangeAxis()).setNumberFormatOverride(new DecimalFormat("#,##0"));
    return chart;
  }

  /** p50 and p99 against N on a log axis, one colour per contender. */
  static JFreeChart latency(ModelFigures f, String machine) {
    DefaultCategoryDataset d = new DefaultCategoryDataset();
    f.series().forEach((c, s) -> {
      add(d, c.label() + " p50", f.callers(), s.p50Ms());
      add(d, c.label() + " p99", f.callers(), s.p99Ms());
    });
    JFreeChart chart = ChartFactory.createLineChart(
        "Latency, " + f.model() + ": p50 (solid) and p99 (dashed) per call (lower is better)",
        "concurrent callers N (ceiling: one thread, batches of N rows)", "ms, log scale", d,
        PlotOrientation.VERTICAL, true, false, false);
    LineAndShapeRenderer r = style(chart, machine);
    int i = 0;
    for (Contender c : f.series().keySet()) {
      r.setSeriesPaint(i, COLOURS[c.ordinal()]);
      r.setSeriesStroke(i++, SOLID);
      r.setSeriesPaint(i, COLOURS[c.ordinal()]);
      r.setSeriesStroke(i++, DASHED);
    }
    // Grid lines at 1..9 × 10^k, labels at round values (LogAxis would label 0.631, 1.259, ...).
    LogarithmicAxis log = new LogarithmicAxis("ms, log scale");
    log.setStrictValuesFlag(false);
    log.setLabelFont(chart.getCategoryPlot().getRangeAxis().getLabelFont());
    chart.getCategoryPlot().setRangeAxis(log);
    return chart;
  }

  /** Adds one line; NaN (not measured) leaves a gap. */
  private static void add(DefaultCategoryDataset d, String series, int[] callers, double[] values) {
    for (int i = 0; i < callers.length; i++) {
      d.addValue(Double.isNaN(values[i]) ? null : values[i], series, Integer.valueOf(callers[i]));
    }
  }

  /** White background, light grid, markers on every point, the machine in the subtitle. */
  private static LineAndShapeRenderer style(JFreeChart chart, String machine) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
    TextTitle subtitle = new TextTitle(machine, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    subtitle.setPaint(Color.DARK_GRAY);
    chart.addSubtitle(subtitle);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xcccccc));
    plot.setRangeGridlinesVisible(true);
    LineAndShapeRenderer r = (LineAndShapeRenderer) plot.getRenderer();
    r.setDefaultShapesVisible(true);
    return r;
  }
}
