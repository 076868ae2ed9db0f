// PointScene: the VTK pipeline behind the point-cloud viewer.
#include "widgets/render/point_scene.h"

#include "core/base/error.h"
#include "core/metrics/plane.h"
#include "core/spatial/point_lod.h"
#include "widgets/render/detail_governor.h"
#include "widgets/render/transfer_function.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkEDLShading.h>
#include <vtkFloatArray.h>
#include <vtkMatrix4x4.h>
#include <vtkOpenGLRenderer.h>
#include <vtkPointData.h>
#include <vtkPointGaussianMapper.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProperty.h>
#include <vtkRenderStepsPass.h>
#include <vtkRenderWindow.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace atelier::render {
namespace {

// A per-point scalar held as float32 relative to the middle of its finite
// range: values far from zero with fine steps (GPS time near 10^9 s, UTM
// elevations) keep their resolution instead of banding.
struct Scalars {
  double offset = 0;
  std::vector<float> values; // value i is offset + values[i]

  // The n values get(i).
  template <typename Get>
  static Scalars of(std::size_t n, Get get) {
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < n; ++i)
      if (const double x = get(i); std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    Scalars s;
    s.offset = lo <= hi ? 0.5 * (lo + hi) : 0.0;
    s.values.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      s.values[i] = static_cast<float>(double(get(i)) - s.offset);
    return s;
  }
  template <typename T>
  static Scalars of(const std::vector<T>& v) {
    return of(v.size(), [&](std::size_t i) { return double(v[i]); });
  }
};

// The p-th and q-th percentiles (0-100) of the finite values, from a regular
// subsample (the metrics' own sampling).
std::array<double, 2> percentiles(const Scalars& v, double p, double q) {
  std::vector<float> sample =
      metrics::sample_values(metrics::PlaneView(std::int64_t(v.values.size()), 1, v.values.data()));
  if (sample.empty()) return {0.0, 1.0};
  const auto r = metrics::percentiles(sample, {p, q});
  const double lo = v.offset + r[0], hi = v.offset + r[1];
  return {lo, hi > lo ? hi : lo + 1};
}

} // namespace

PointColouring default_colouring(const PointCloud& cloud) {
  PointColouring c;
  c.by = cloud.has_rgb()
             ? PointColour::rgb
             : (cloud.has_intensity() ? PointColour::intensity : PointColour::elevation);
  return c;
}

PointColouring parse_point_colouring(const std::string& text) {
  PointColouring c;
  if (text == "rgb")
    c.by = PointColour::rgb;
  else if (text == "intensity")
    c.by = PointColour::intensity;
  else if (text == "elevation" || text == "z")
    c.by = PointColour::elevation;
  else if (text == "solid")
    c.by = PointColour::solid;
  else if (text.rfind("label:", 0) == 0)
    c.by = PointColour::label, c.field = text.substr(6);
  else if (text == "label")
    c.by = PointColour::label, c.field = "classification";
  else if (text.rfind("field:", 0) == 0)
    c.by = PointColour::field, c.field = text.substr(6);
  else if (!text.empty())
    c.by = PointColour::field, c.field = text;
  else
    throw Error("colour by rgb, intensity, elevation, solid, label[:FIELD] or field:NAME");
  return c;
}

// One level of detail: its points on the GPU, drawn by its own mapper and
// actor (sharing one property), so switching levels uploads nothing.
struct PointLevel {
  std::vector<std::uint32_t> ids; // cloud indices drawn; empty: the whole cloud
  vtkSmartPointer<vtkPolyData> data = vtkSmartPointer<vtkPolyData>::New();
  vtkSmartPointer<vtkPointGaussianMapper> mapper = vtkSmartPointer<vtkPointGaussianMapper>::New();
  vtkSmartPointer<vtkActor> actor = vtkSmartPointer<vtkActor>::New();

  PointLevel() {
    mapper->SetScaleFactor(0); // plain points of the actor's point size
    mapper->EmissiveOff();
    mapper->SetColorModeToDirectScalars();
    mapper->ScalarVisibilityOn();
    mapper->SetInputData(data);
    actor->SetMapper(mapper);
  }
};

// Smallest level kept: below it a software renderer's fixed costs (clear,
// eye-dome pass, readback) dominate anyway.
constexpr std::size_t kSmallestLevel = 15'000;

struct PointScene::Impl {
  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkProperty> property = vtkSmartPointer<vtkProperty>::New();
  // levels[0]: the whole cloud, drawn at rest; then spatially even subsets
  // (spatial::even_subsample) of decimated_points, a quarter of that, ...
  // while moving, at the level the governor picks from frame times.
  std::vector<PointLevel> levels;
  DetailGovernor governor;
  bool interacting = false;
  vtkSmartPointer<vtkActor> outline;
  vtkSmartPointer<vtkAxesActor> axes;
  std::array<double, 3> centre{0, 0, 0};
  std::vector<std::array<std::uint8_t, 3>> rgb;
  Scalars intensity, elevation;
  std::vector<std::pair<std::string, Scalars>> fields;
  std::array<double, 2> range{0, 1};
  bool edl = false;           // eye-dome lighting chosen
  bool edl_installed = false; // its pass drawing now
  vtkSmartPointer<vtkEDLShading> edl_pass;
  UpAxis up = UpAxis::plus_y;

  Impl() {
    renderer->SetBackground(0.11, 0.11, 0.13);
    property->SetPointSize(2);
    set_levels(1);
  }

  void set_levels(std::size_t count) {
    for (const PointLevel& l : levels)
      renderer->RemoveActor(l.actor);
    levels.clear();
    levels.resize(count);
    for (PointLevel& l : levels) {
      l.actor->SetProperty(property);
      renderer->AddActor(l.actor);
    }
  }

  // While eye-dome lighting is on, the governor has one level more than
  // levels; reaching it suspends that lighting while moving (on a software
  // renderer its full-frame passes cost more than the points, about 100 ms
  // a frame), and the points then adapt again without it.
  bool edl_suspended = false;
  void reset_governor(int start) {
    const int n = int(levels.size()) + (edl && !edl_suspended ? 1 : 0);
    governor = DetailGovernor(n, std::min(start, int(levels.size()) - 1));
  }
  int drawn_level() const { return interacting ? governor.level() : 0; }
  bool eye_dome_drawn() const { return edl && !(interacting && edl_suspended); }
  void show_level() {
    if (governor.level() >= int(levels.size())) { // the extra level
      edl_suspended = edl_suspended || edl;
      reset_governor(int(levels.size()) - 1);
    }
    for (std::size_t k = 0; k < levels.size(); ++k)
      levels[k].actor->SetVisibility(int(k) == drawn_level());
    auto* gl = vtkOpenGLRenderer::SafeDownCast(renderer);
    const bool on = eye_dome_drawn();
    if (!gl || on == edl_installed) return;
    edl_installed = on;
    // One pass, kept while uninstalled: its buffers are reused, and a pass
    // dropped without releasing them makes VTK complain.
    if (on && !edl_pass) {
      edl_pass = vtkSmartPointer<vtkEDLShading>::New();
      edl_pass->SetDelegatePass(vtkSmartPointer<vtkRenderStepsPass>::New());
    }
    gl->SetPass(on ? edl_pass.Get() : nullptr);
  }

  ~Impl() {
    if (edl_pass && renderer->GetRenderWindow())
      edl_pass->ReleaseGraphicsResources(renderer->GetRenderWindow());
  }

  const Scalars& scalar_for(const PointColouring& c) const {
    switch (c.by) {
    case PointColour::intensity:
      if (intensity.values.empty()) throw Error("the cloud has no intensity");
      return intensity;
    case PointColour::elevation: return elevation;
    case PointColour::field:
    case PointColour::label:
      for (const auto& [name, values] : fields)
        if (name == c.field) return values;
      throw Error("the cloud has no field '" + c.field + "'");
    default: break;
    }
    throw Error("not a scalar colouring");
  }

  void colour(const PointColouring& c) {
    const std::size_t n = elevation.values.size();
    auto colours = vtkSmartPointer<vtkUnsignedCharArray>::New();
    colours->SetName("colours");
    colours->SetNumberOfComponents(3);
    colours->SetNumberOfTuples(vtkIdType(n));
    std::uint8_t* out = colours->GetPointer(0);
    if (c.by == PointColour::rgb) {
      if (rgb.empty()) throw Error("the cloud has no colours");
      std::copy_n(rgb.front().data(), 3 * n, out);
    } else if (c.by == PointColour::solid) {
      for (std::size_t i = 0; i < n; ++i)
        out[3 * i] = 200, out[3 * i + 1] = 200, out[3 * i + 2] = 205;
    } else if (c.by == PointColour::label) {
      const Scalars& v = scalar_for(c);
      for (std::size_t i = 0; i < n; ++i) {
        const auto rgb01 = label_colour(std::llround(v.offset + double(v.values[i])));
        for (int k = 0; k < 3; ++k)
          out[3 * i + k] = static_cast<std::uint8_t>(std::lround(255 * rgb01[k]));
      }
    } else {
      const Scalars& v = scalar_for(c);
      const auto auto_range = percentiles(v, 2, 98);
      range = {c.lo.value_or(auto_range[0]), c.hi.value_or(auto_range[1])};
      if (range[1] <= range[0]) range[1] = range[0] + 1e-9;
      const auto& table = display::colormap_table(c.colormap);
      const double scale = 255.0 / (range[1] - range[0]);
      const double lo = range[0] - v.offset; // in the stored values' terms
      for (std::size_t i = 0; i < n; ++i) {
        const double x = v.values[i];
        const double t = std::isfinite(x) ? (x - lo) * scale : 0.0;
        const std::uint32_t argb = table[static_cast<std::size_t>(std::clamp(t, 0.0, 255.0))];
        out[3 * i] = std::uint8_t(argb >> 16), out[3 * i + 1] = std::uint8_t(argb >> 8),
                out[3 * i + 2] = std::uint8_t(argb);
      }
    }
    for (PointLevel& l : levels)
      l.data->GetPointData()->SetScalars(subsample(colours, l.ids));
  }

  static vtkSmartPointer<vtkUnsignedCharArray> subsample(vtkUnsignedCharArray* colours,
                                                         const std::vector<std::uint32_t>& ids) {
    if (ids.empty()) return colours;
    auto out = vtkSmartPointer<vtkUnsignedCharArray>::New();
    out->SetNumberOfComponents(3);
    out->SetNumberOfTuples(vtkIdType(ids.size()));
    const std::uint8_t* src = colours->GetPointer(0);
    std::uint8_t* dst = out->GetPointer(0);
    for (std::size_t j = 0; j < ids.size(); ++j)
      std::copy_n(src + 3 * std::size_t{ids[j]}, 3, dst + 3 * j);
    return out;
  }
};

PointScene::PointScene() : d_(std::make_unique<Impl>()) {}
PointScene::~PointScene() = default;

vtkRenderer* PointScene::renderer() const {
  return d_->renderer;
}

void PointScene::set_cloud(const PointCloud& cloud) {
  const std::size_t n = cloud.size();
  double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  if (n > 0) {
    for (int k = 0; k < 3; ++k)
      lo[k] = hi[k] = cloud.xyz[0][k];
    for (const auto& p : cloud.xyz)
      for (int k = 0; k < 3; ++k)
        lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
  }
  for (int k = 0; k < 3; ++k)
    d_->centre[k] = 0.5 * (lo[k] + hi[k]);
  // The levels drawn while moving: decimated_points, then quarters, each
  // an even subset of the one before (and at most half of the cloud).
  std::vector<std::vector<std::uint32_t>> subsets;
  for (std::size_t target = decimated_points; target >= kSmallestLevel; target /= 4) {
    if (2 * target > n) continue;
    const std::vector<std::uint32_t>* from = subsets.empty() ? nullptr : &subsets.back();
    if (!from) {
      subsets.push_back(spatial::even_subsample(cloud.xyz, target));
      continue;
    }
    std::vector<std::array<double, 3>> xyz(from->size());
    for (std::size_t j = 0; j < from->size(); ++j)
      xyz[j] = cloud.xyz[(*from)[j]];
    std::vector<std::uint32_t> ids = spatial::even_subsample(xyz, target);
    for (std::uint32_t& id : ids)
      id = (*from)[id];
    subsets.push_back(std::move(ids));
  }
  d_->set_levels(1 + subsets.size());
  for (std::size_t k = 0; k < subsets.size(); ++k)
    d_->levels[k + 1].ids = std::move(subsets[k]);
  // Moving starts at the largest subset within decimated_points (the whole
  // cloud when it is that small) and adapts from there.
  d_->edl_suspended = false;
  d_->reset_governor(n > decimated_points ? 1 : 0);

  // m points, the j-th being cloud point index(j).
  auto make_points = [&](std::size_t m, auto index) {
    auto coords = vtkSmartPointer<vtkFloatArray>::New();
    coords->SetNumberOfComponents(3);
    coords->SetNumberOfTuples(vtkIdType(m));
    float* out = coords->GetPointer(0);
    for (std::size_t j = 0; j < m; ++j)
      for (int k = 0; k < 3; ++k)
        out[3 * j + k] = static_cast<float>(cloud.xyz[index(j)][k] - d_->centre[k]);
    auto points = vtkSmartPointer<vtkPoints>::New();
    points->SetData(coords);
    return points;
  };
  for (PointLevel& l : d_->levels) {
    if (l.ids.empty())
      l.data->SetPoints(make_points(n, [](std::size_t j) { return j; }));
    else
      l.data->SetPoints(
          make_points(l.ids.size(), [&](std::size_t j) { return std::size_t{l.ids[j]}; }));
  }
  d_->show_level();

  d_->rgb = cloud.rgb;
  d_->intensity = Scalars::of(cloud.intensity);
  d_->up = cloud.metadata.find("point_format") || cloud.metadata.find("crs") ? UpAxis::plus_z
                                                                             : UpAxis::plus_y;
  const int vertical = d_->up == UpAxis::plus_z ? 2 : 1;
  d_->elevation = Scalars::of(n, [&](std::size_t i) { return cloud.xyz[i][vertical]; });
  d_->fields.clear();
  for (const ScalarField& f : cloud.fields)
    d_->fields.emplace_back(f.name, Scalars::of(f.values));

  if (d_->outline) d_->renderer->RemoveActor(d_->outline);
  const double b[6] = {lo[0] - d_->centre[0], hi[0] - d_->centre[0], lo[1] - d_->centre[1],
                       hi[1] - d_->centre[1], lo[2] - d_->centre[2], hi[2] - d_->centre[2]};
  d_->outline = make_outline(b);
  d_->outline->SetVisibility(n > 0);
  d_->renderer->AddActor(d_->outline);
  if (d_->axes) d_->renderer->RemoveActor(d_->axes);
  d_->axes = make_axes(b);
  d_->axes->SetVisibility(n > 0);
  d_->renderer->AddActor(d_->axes);
  set_colouring(default_colouring(cloud));
  set_point_size(default_point_size(n));
  set_eye_dome(!cloud.has_rgb() && n >= 20'000); // sparse clouds only get halos
}

double PointScene::default_point_size(std::size_t n) {
  return n < 20'000 ? 4.0 : (n < 500'000 ? 3.0 : 2.0);
}

std::size_t PointScene::size() const {
  return d_->elevation.values.size();
}

void PointScene::set_colouring(const PointColouring& colouring) {
  d_->colour(colouring);
}

std::array<double, 2> PointScene::colour_range() const {
  return d_->range;
}

void PointScene::set_point_size(double pixels) {
  d_->property->SetPointSize(float(std::clamp(pixels, 1.0, 64.0)));
}

void PointScene::set_eye_dome(bool on) {
  if (!vtkOpenGLRenderer::SafeDownCast(d_->renderer)) return;
  d_->edl = on;
  d_->edl_suspended = false; // asked for again: tried again while moving
  d_->reset_governor(d_->governor.level());
  d_->show_level();
}

bool PointScene::eye_dome() const {
  return d_->edl;
}

bool PointScene::interactive_eye_dome() const {
  return d_->edl && !d_->edl_suspended;
}

void PointScene::set_interacting(bool interacting) {
  d_->interacting = interacting;
  d_->show_level();
}

bool PointScene::interactive_frame(double ms) {
  if (!d_->interacting || !d_->governor.frame(ms)) return false;
  d_->show_level();
  return true;
}

std::size_t PointScene::interactive_points() const {
  const PointLevel& l = d_->levels[std::size_t(d_->governor.level())];
  return l.ids.empty() ? size() : l.ids.size();
}

std::optional<std::size_t> PointScene::pick(int x, int y) const {
  if (size() == 0 || !d_->renderer->GetRenderWindow()) return std::nullopt;
  // The visible point under the cursor: of the points drawn over pixel
  // (x, y) (squares of the point size), the one nearest the camera. A
  // nearest-to-the-ray pick can return a point hidden behind it.
  const PointLevel& level = d_->levels[std::size_t(d_->drawn_level())];
  vtkPolyData* drawn = level.data;
  if (!drawn || !drawn->GetPoints()) return std::nullopt;
  auto* coords = vtkFloatArray::SafeDownCast(drawn->GetPoints()->GetData());
  if (!coords) return std::nullopt;
  vtkRenderer* r = d_->renderer;
  const int* size_px = r->GetSize();
  const int* origin = r->GetOrigin();
  if (size_px[0] <= 0 || size_px[1] <= 0) return std::nullopt;
  vtkMatrix4x4* m =
      r->GetActiveCamera()->GetCompositeProjectionTransformMatrix(r->GetTiledAspectRatio(), -1, 1);
  double a[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      a[i][j] = m->GetElement(i, j);
  const double reach = std::max(1.0, 0.5 * d_->property->GetPointSize()) + 1.0;
  const double half_w = 0.5 * size_px[0], half_h = 0.5 * size_px[1];
  const double cx = x - origin[0], cy = y - origin[1];
  const float* p = coords->GetPointer(0);
  const vtkIdType n = coords->GetNumberOfTuples();
  vtkIdType best = -1;
  double best_depth = INFINITY, best_d2 = INFINITY;
  for (vtkIdType i = 0; i < n; ++i, p += 3) {
    const double w = a[3][0] * p[0] + a[3][1] * p[1] + a[3][2] * p[2] + a[3][3];
    if (!(w > 0)) continue;
    const double dx =
        ((a[0][0] * p[0] + a[0][1] * p[1] + a[0][2] * p[2] + a[0][3]) / w + 1) * half_w - cx;
    if (std::abs(dx) > reach) continue;
    const double dy =
        ((a[1][0] * p[0] + a[1][1] * p[1] + a[1][2] * p[2] + a[1][3]) / w + 1) * half_h - cy;
    if (std::abs(dy) > reach) continue;
    const double depth = (a[2][0] * p[0] + a[2][1] * p[1] + a[2][2] * p[2] + a[2][3]) / w;
    if (depth < -1 || depth > 1) continue; // clipped
    const double d2 = dx * dx + dy * dy;
    if (depth < best_depth || (depth == best_depth && d2 < best_d2))
      best = i, best_depth = depth, best_d2 = d2;
  }
  if (best < 0) return std::nullopt;
  if (!level.ids.empty())
    return std::size_t{level.ids[std::min(std::size_t(best), level.ids.size() - 1)]};
  return std::min(size() - 1, std::size_t(best));
}

std::array<double, 3> PointScene::position(std::size_t i) const {
  double p[3];
  d_->levels.front().data->GetPoint(vtkIdType(i), p);
  return {p[0] + d_->centre[0], p[1] + d_->centre[1], p[2] + d_->centre[2]};
}

void PointScene::reset_camera(ViewDirection direction) {
  double b[6];
  d_->levels.front().data->GetBounds(b);
  if (size() == 0) b[0] = b[2] = b[4] = -1, b[1] = b[3] = b[5] = 1;
  aim_camera(d_->renderer, b, direction, d_->up);
}

} // namespace atelier::render
