// bench_render: a synthetic 10-million-point lidar-like cloud and a 256^3
// float volume: time to build the scene (upload preparation), the first
// frame, and frame times while rotating (decimated or coarse while moving,
// full quality at rest, and with the detail adapting to frame times as in
// the viewer, where it settles). One JSON object per line. On a machine without a
// GPU, Mesa's llvmpipe renders: frame times then measure the CPU.
//   ATELIER_BENCH_POINTS (default 10000000), ATELIER_BENCH_VOLUME (default 256);
//   0 skips either
#include "core/data/point_cloud.h"
#include "core/data/volume.h"
#include "tests/support/test_support.h"
#include "widgets/render/label_surfaces.h"
#include "widgets/render/offscreen_render.h"
#include "widgets/render/point_scene.h"
#include "widgets/render/volume_scene.h"
#include "widgets/render/vtk_volume_data.h"

#include <vtkCamera.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace atelier;
using namespace atelier::render;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::size_t(std::strtoull(v, nullptr, 10)) : fallback;
}

// Frame times (ms) of `frames` renders, turning the camera 3 degrees each;
// with adapt, each moving frame's time goes to the scene's level of detail
// as the viewer's frames do.
template <typename Scene>
std::vector<double> rotate(Scene& scene, OffscreenWindow& window, int frames, bool interacting,
                           bool adapt = false) {
  scene.set_interacting(interacting);
  std::vector<double> times;
  for (int i = 0; i < frames; ++i) {
    scene.renderer()->GetActiveCamera()->Azimuth(3);
    const auto t0 = Clock::now();
    window.render();
    times.push_back(ms_since(t0));
    if (adapt) scene.interactive_frame(times.back());
  }
  scene.set_interacting(false);
  return times;
}

// The median of the last n.
double tail_median(const std::vector<double>& times, std::size_t n) {
  return test::median(
      std::vector<double>(times.end() - std::ptrdiff_t(std::min(n, times.size())), times.end()));
}

void bench_points(std::size_t n) {
  PointCloud cloud;
  cloud.xyz.resize(n);
  cloud.intensity.resize(n);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1000.0);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = 500000 + u(rng), y = 4000000 + u(rng) * 0.8;
    cloud.xyz[i] = {x, y, 120 + 15 * std::sin(x * 0.01) * std::cos(y * 0.013) + noise(rng)};
    cloud.intensity[i] = float(std::fmod(x * 0.37 + y * 0.11, 255.0));
  }
  cloud.metadata.set("point_format", "1");
  OffscreenWindow window(1280, 800);
  auto t0 = Clock::now();
  PointScene scene;
  scene.set_cloud(cloud);
  const double build_ms = ms_since(t0);
  window.add(scene.renderer());
  scene.reset_camera();
  t0 = Clock::now();
  window.render();
  const double first_ms = ms_since(t0);
  const auto moving = rotate(scene, window, 20, true);
  const auto still = rotate(scene, window, 5, false);
  // The first full frame each time motion stops, over a few stops: next to
  // rotate_full_median_ms it shows whether the full cloud is drawn from what
  // is already on the GPU or uploaded again.
  std::vector<double> settles;
  for (int i = 0; i < 3; ++i) {
    rotate(scene, window, 2, true);
    settles.push_back(rotate(scene, window, 1, false).front());
  }
  // Moving with the level of detail following frame times (as in the
  // viewer): where it settles after 40 frames.
  const auto adaptive = rotate(scene, window, 40, true, true);
  // Picking near the middle of the frame (a user's click), at rest.
  std::vector<double> picks;
  int picked = 0;
  for (int i = 0; i < 5; ++i) {
    t0 = Clock::now();
    picked += scene.pick(640 + 7 * i, 400 - 5 * i).has_value();
    picks.push_back(ms_since(t0));
  }
  std::printf(
      "{\"bench\":\"render_points\",\"points\":%zu,\"build_ms\":%.0f,\"first_frame_ms\":%.0f,"
      "\"rotate_decimated_median_ms\":%.1f,\"decimated_points\":%zu,"
      "\"rotate_full_median_ms\":%.1f,\"settle_median_ms\":%.1f,\"pick_median_ms\":%.1f,"
      "\"picks_hit\":%d,\"rotate_adaptive_median_ms\":%.1f,\"adaptive_points\":%zu,"
      "\"adaptive_eye_dome\":%s}\n",
      n, build_ms, first_ms, test::median(moving), std::min(n, PointScene::decimated_points),
      test::median(still), test::median(settles), test::median(picks), picked,
      tail_median(adaptive, 10), scene.interactive_points(),
      scene.interactive_eye_dome() ? "true" : "false");
  std::fflush(stdout);
}

void bench_volume(std::int64_t n) {
  Volume volume(n, n, n, DType::f32);
  auto v = volume.values<float>();
  std::mt19937 rng(2);
  std::normal_distribution<float> noise(0.0f, 0.2f);
  const double c = 0.5 * double(n);
  for (std::int64_t z = 0; z < n; ++z)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const double r2 = ((x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c)) / (c * c);
        const double blobs = std::sin(x * 0.15) * std::sin(y * 0.11) * std::sin(z * 0.13);
        v[std::size_t((z * n + y) * n + x)] = float(std::exp(-3 * r2) * (1 + blobs)) + noise(rng);
      }
  OffscreenWindow window(1280, 800);
  auto t0 = Clock::now();
  VolumeScene scene;
  scene.set_volume(volume);
  const double build_ms = ms_since(t0);
  window.add(scene.renderer());
  scene.reset_camera();
  for (const VolumeMode mode : {VolumeMode::iso, VolumeMode::volume, VolumeMode::slices}) {
    scene.set_mode(mode);
    t0 = Clock::now();
    window.render();
    const double first_ms = ms_since(t0);
    const auto moving = rotate(scene, window, 10, true);
    const auto still = rotate(scene, window, 3, false);
    const auto adaptive = rotate(scene, window, 30, true, true);
    const char* name =
        mode == VolumeMode::iso ? "iso" : (mode == VolumeMode::volume ? "volume" : "slices");
    std::printf("{\"bench\":\"render_volume\",\"size\":%lld,\"mode\":\"%s\",\"build_ms\":%.0f,"
                "\"first_frame_ms\":%.0f,\"rotate_interactive_median_ms\":%.1f,"
                "\"rotate_full_median_ms\":%.1f,\"rotate_adaptive_median_ms\":%.1f,"
                "\"adaptive_ray_step\":%.1f,\"adaptive_iso_binning\":%d}\n",
                static_cast<long long>(n), name, build_ms, first_ms, test::median(moving),
                test::median(still), tail_median(adaptive, 10), scene.interactive_ray_step(),
                scene.interactive_iso_binning());
    std::fflush(stdout);
  }
  // A contour level change: the next frame drawn with the full surface
  // computed first (as atelier-cli does), then with the worker (the viewer:
  // the binned surface stands in) and how long until the worker's is in.
  scene.set_mode(VolumeMode::iso);
  scene.set_iso_level(scene.stats().mean + 1.2 * scene.stats().stddev);
  t0 = Clock::now();
  window.render();
  const double direct_ms = ms_since(t0);
  scene.set_background_iso(true);
  while (scene.iso_pending()) // the current level's, first
    scene.poll_iso();
  scene.set_iso_level(scene.stats().mean + 1.4 * scene.stats().stddev);
  const int binning = scene.iso_binning_at_rest();
  t0 = Clock::now();
  window.render();
  const double stand_in_ms = ms_since(t0);
  while (scene.iso_pending() && ms_since(t0) < 600'000)
    scene.poll_iso();
  const double worker_ms = ms_since(t0);
  std::printf("{\"bench\":\"iso_level_change\",\"size\":%lld,\"frame_after_change_ms\":%.0f,"
              "\"background_frame_after_change_ms\":%.0f,\"background_binning\":%d,"
              "\"background_full_surface_ms\":%.0f}\n",
              static_cast<long long>(n), direct_ms, stand_in_ms, binning, worker_ms);
  std::fflush(stdout);
  // Labels over the volume: eight octants and a ball across them. The
  // viewer prepares them on its loader thread; before, this ran on the GUI
  // thread at the first render.
  Volume labels(n, n, n, DType::u16);
  auto l = labels.values<std::uint16_t>();
  for (std::int64_t z = 0; z < n; ++z)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const double r2 = ((x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c)) / (c * c);
        l[std::size_t((z * n + y) * n + x)] =
            std::uint16_t(r2 < 0.25 ? 9 : 1 + (2 * x >= n) + 2 * (2 * y >= n) + 4 * (2 * z >= n));
      }
  std::array<double, 3> spacing;
  spacing_for_vtk(volume, spacing.data());
  t0 = Clock::now();
  const LabelData prepared = prepare_labels(labels, spacing);
  std::printf("{\"bench\":\"label_surfaces\",\"size\":%lld,\"labels\":%zu,\"prepare_ms\":%.0f}\n",
              static_cast<long long>(n), prepared.values.size(), ms_since(t0));
  std::fflush(stdout);
}

} // namespace

int main() {
  std::string reason;
  if (!display_available(&reason)) {
    std::fprintf(stderr, "bench_render: needs an X display (%s); run under xvfb-run\n",
                 reason.c_str());
    return 77;
  }
  if (const std::size_t n = env_size("ATELIER_BENCH_VOLUME", 256)) bench_volume(std::int64_t(n));
  if (const std::size_t n = env_size("ATELIER_BENCH_POINTS", 10'000'000)) bench_points(n);
  return 0;
}
