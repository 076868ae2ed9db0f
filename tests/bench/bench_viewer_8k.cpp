// The viewer on an 8192 x 8192 float image (a micrograph of a K3-class
// detector, 256 MiB of float32): the time of each synchronous repaint of a
// 1600 x 1000 viewer while panning at fit zoom (the whole image shrunk into
// the window), at 1:1 and at 4x, and the time to remap after a contrast
// change. The target: p99 repaint under 16 ms while panning and zooming.
// Prints one JSON object per line.
#include "core/data/image.h"
#include "widgets/viewer/ImageViewer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace atelier;

class BenchViewer8k : public QObject {
  Q_OBJECT

private slots:
  void panAndZoom() {
    const int n = 8192;
    Image img(n, n, 1, DType::f32);
    auto v = img.values<float>();
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x)
        v[std::size_t(y) * n + x] =
            float(std::sin(x * 0.01) * std::cos(y * 0.013) * 100 + (x ^ y) % 17);
    ImageViewer viewer;
    viewer.resize(1600, 1000);
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer));
    QElapsedTimer t;
    t.start();
    viewer.setImage(img);
    const double open_ms = t.nsecsElapsed() / 1e6;
    t.restart();
    display::DisplayMapping m = viewer.mapping();
    m.gamma = 1.5;
    viewer.setMapping(m);
    const double remap_ms = t.nsecsElapsed() / 1e6;

    for (const double zoom : {0.0, 1.0, 4.0}) {
      if (zoom == 0.0)
        viewer.fit();
      else
        viewer.setView(zoom, QPointF(-n * zoom / 3, -n * zoom / 3));
      std::vector<double> ms;
      for (int frame = 0; frame < 120; ++frame) {
        // Pan by a few pixels per frame, as a drag does.
        viewer.setView(viewer.zoom(), viewer.offset() + QPointF(3, 2));
        t.restart();
        viewer.repaint();
        ms.push_back(t.nsecsElapsed() / 1e6);
      }
      // A contrast drag: a new window each frame, then the repaint.
      std::vector<double> drag;
      for (int frame = 0; frame < 10; ++frame) {
        display::DisplayMapping c = viewer.mapping();
        c.hi += 1.0;
        t.restart();
        viewer.setMapping(c);
        viewer.repaint();
        drag.push_back(t.nsecsElapsed() / 1e6);
      }
      std::sort(drag.begin(), drag.end());
      std::sort(ms.begin(), ms.end());
      const double p50 = ms[ms.size() / 2], p99 = ms[ms.size() * 99 / 100];
      std::printf(
          "{\"bench\":\"viewer_8k_contrast\",\"zoom\":%.4f,\"p50_ms\":%.1f,\"max_ms\":%.1f}\n",
          viewer.zoom(), drag[drag.size() / 2], drag.back());
      std::printf("{\"bench\":\"viewer_8k\",\"zoom\":%.4f,\"frames\":%zu,\"p50_ms\":%.2f,"
                  "\"p99_ms\":%.2f,\"open_ms\":%.0f,\"remap_ms\":%.0f,\"target_p99_ms\":16}\n",
                  viewer.zoom(), ms.size(), p50, p99, open_ms, remap_ms);
    }
  }
};

QTEST_MAIN(BenchViewer8k)
#include "bench_viewer_8k.moc"
