// bench_line_plot: the run monitor's plot with 1e3, 1e5 and 1e6 points in
// each of two series: time to append them and median time to paint a
// 1200x400 frame (offscreen). Painting reads min/max summaries, so a frame
// should cost about the same at every size. One JSON object per line.
#include "widgets/train/LinePlot.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace atelier;

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  double first_paint_ms = 0;
  for (const int n : {1'000, 100'000, 1'000'000}) {
    LinePlot plot;
    plot.resize(1200, 400);
    plot.setLogY(true);
    plot.setSmoothing(0.6);
    const int loss = plot.addSeries("loss", Qt::cyan), val = plot.addSeries("val", Qt::yellow);
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 0.05);
    QElapsedTimer clock;
    clock.start();
    for (int i = 1; i <= n; ++i) {
      const double y = 1.0 / std::sqrt(double(i)) * std::exp(noise(rng));
      plot.append(loss, i, y);
      if (i % 10 == 0) plot.append(val, i, 1.1 * y);
    }
    const double append_ms = double(clock.nsecsElapsed()) / 1e6;
    QImage frame(plot.size(), QImage::Format_ARGB32);
    std::vector<double> times;
    for (int k = 0; k < 15; ++k) {
      plot.append(loss, n + k + 1, 0.001); // as if a new point arrived
      QPainter p(&frame);
      plot.render(&p);
      times.push_back(plot.lastPaintMs());
    }
    std::sort(times.begin(), times.end());
    const double paint_ms = times[times.size() / 2];
    if (n == 1'000) first_paint_ms = paint_ms;
    std::printf("{\"bench\":\"line_plot\",\"points_per_series\":%d,\"append_ns_per_point\":%.0f,"
                "\"paint_median_ms\":%.2f,\"paint_vs_1k\":%.2f}\n",
                n, append_ms * 1e6 / (n * 1.1), paint_ms, paint_ms / first_paint_ms);
    std::fflush(stdout);
  }
  return 0;
}
