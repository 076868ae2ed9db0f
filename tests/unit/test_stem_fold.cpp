// Column folding of one-channel convolutions (core/nn/stem_fold.h): the
// folded R x 1 layer gives the R x S layer's output and filter gradient, in
// both layouts, for the U-Net's 11x11 stem and a non-square kernel.
#include "core/base/error.h"
#include "core/nn/stem_fold.h"
#include "tests/support/gradient_check.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <vector>

using namespace atelier;
using nn::Conv2dShape;
using nn::Layout;

namespace {

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

// NCHW <-> NHWC of extents n x c x h x w.
std::vector<float> to_layout(const std::vector<float>& v, const nn::Nchw& s, Layout from,
                             Layout to) {
  std::vector<float> out(v.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x)
          out[nn::element_offset(s, to, n, c, y, x)] = v[nn::element_offset(s, from, n, c, y, x)];
  return out;
}

} // namespace

class TestStemFold : public QObject {
  Q_OBJECT
private slots:
  void foldedLayerIsTheSameConvolution() {
    std::mt19937 rng(17);
    for (const Conv2dShape s : {Conv2dShape::square(2, 1, 37, 29, 6, 11, 11, 5), [] {
                                  Conv2dShape t = Conv2dShape::square(1, 1, 20, 23, 3, 3, 5, 0);
                                  t.pad_h = 1, t.pad_w = 2;
                                  return t;
                                }()}) {
      for (const int align : {8, 1}) {
        const Conv2dShape f = nn::stem_folded_shape(s, align);
        QCOMPARE(f.c, align == 8 ? (s.s + 7) / 8 * 8 : s.s);
        QCOMPARE(f.s, 1);
        QCOMPARE(f.out_h(), s.out_h());
        QCOMPARE(f.out_w(), s.out_w());
        const std::vector<float> x = test::random_values<float>(s.input_count(), rng),
                                 w = test::random_values<float>(s.weight_count(), rng),
                                 dy = test::random_values<float>(s.output_count(), rng);
        std::vector<float> y(s.output_count()), dw(s.weight_count());
        nn::conv2d_forward(s, x, w, y);
        nn::conv2d_backward_filter(s, x, dy, dw);

        std::vector<float> xf(f.input_count()), wf(f.weight_count()), yf(f.output_count()),
            dwf(f.weight_count()), dw_back(s.weight_count());
        nn::stem_fold_input(s, align, Layout::nchw, x, xf);
        nn::stem_fold_weights(s, align, w, wf);
        nn::conv2d_forward(f, xf, wf, yf);
        nn::conv2d_backward_filter(f, xf, dy, dwf);
        nn::stem_unfold_weights(s, align, dwf, dw_back);
        QVERIFY2(max_abs_diff(yf, y) < 1e-5, std::to_string(max_abs_diff(yf, y)).c_str());
        QVERIFY2(max_abs_diff(dw_back, dw) < 1e-4,
                 std::to_string(max_abs_diff(dw_back, dw)).c_str());
        // The padding channels' filter gradient is zero, so they stay zero.
        for (int k = 0; k < f.k; ++k)
          for (int j = s.s; j < f.c; ++j)
            for (int r = 0; r < f.r; ++r)
              QCOMPARE(dwf[(std::size_t(k) * f.c + j) * f.r + r], 0.0f);
        // Folding back and forth keeps the weights.
        std::vector<float> w_back(s.weight_count());
        nn::stem_unfold_weights(s, align, wf, w_back);
        QVERIFY(w_back == w);
        // NHWC folds to the NHWC of the NCHW fold.
        std::vector<float> xf_nhwc(f.input_count());
        nn::stem_fold_input(s, align, Layout::nhwc,
                            to_layout(x, s.input(), Layout::nchw, Layout::nhwc), xf_nhwc);
        QVERIFY(xf_nhwc == to_layout(xf, f.input(), Layout::nchw, Layout::nhwc));
      }
    }
  }

  void onlyOneChannelStrideOneLayersFold() {
    QVERIFY(nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 3, 3, 1)));
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 2, 8, 8, 4, 3, 3, 1)));
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 3, 3, 1, 2)));
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 3, 3, 2, 1, 2)));
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 1, 1)));
    // Only "same" horizontal padding keeps the width: not an even kernel,
    // nor other padding.
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 4, 4, 2)));
    QVERIFY(!nn::stem_foldable(Conv2dShape::square(1, 1, 8, 8, 4, 3, 3, 0)));
    QVERIFY_THROWS_EXCEPTION(Error,
                             nn::stem_folded_shape(Conv2dShape::square(1, 2, 8, 8, 4, 3, 3), 8));
    std::vector<float> x(64), wrong(10);
    QVERIFY_THROWS_EXCEPTION(Error, nn::stem_fold_input(Conv2dShape::square(1, 1, 8, 8, 4, 3, 3, 1),
                                                        8, Layout::nchw, x, wrong));
  }
};

QTEST_APPLESS_MAIN(TestStemFold)
#include "test_stem_fold.moc"
