// FFTW plans shared per size, buffers per transform object.
#include "core/metrics/real_fft.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/io/atomic_file.h"

#include <fftw3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace atelier::metrics {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// FFTW's wisdom (its timings of algorithms on this machine) is kept in the
// user's cache folder, so FFTW_MEASURE's planning (a fraction of a second
// per size) happens once per machine instead of once per process.
// ATELIER_FFTW_WISDOM names another file; an empty value turns it off.
std::string wisdom_path() {
  if (const char* env = std::getenv("ATELIER_FFTW_WISDOM")) return env;
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    base = xdg;
  else if (const char* home = std::getenv("HOME"); home && *home)
    base = std::string(home) + "/.cache";
  return base.empty() ? std::string() : base + "/atelier/fftw3f.wisdom";
}

// Best effort: a missing, stale or unwritable wisdom file only costs time.
void load_wisdom(const std::string& path) {
  if (path.empty()) return;
  try {
    if (const auto text = read_file_if_exists(path)) fftwf_import_wisdom_from_string(text->c_str());
  } catch (const std::exception&) {
  }
}

void save_wisdom(const std::string& path) {
  if (path.empty()) return;
  char* text = fftwf_export_wisdom_to_string();
  if (!text) return;
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    write_file_atomic(path, text);
  } catch (const std::exception&) {
  }
  std::free(text);
}

// One plan per size for the life of the process. Planning with
// FFTW_MEASURE times a few algorithms on scratch arrays (or recalls the
// wisdom of an earlier process); executing on other arrays of the same
// alignment is allowed (fftw_execute_dft_r2c), and fftwf_malloc gives that
// alignment.
// inverse: the c2r transform (complex half spectrum to real), else r2c.
fftwf_plan plan_for(int width, int height, bool inverse) {
  std::lock_guard lock(planner_mutex());
  static std::map<std::tuple<int, int, bool>, fftwf_plan> plans;
  static const std::string wisdom = [] {
    std::string path = wisdom_path();
    load_wisdom(path);
    return path;
  }();
  if (auto it = plans.find({width, height, inverse}); it != plans.end()) return it->second;
  const auto count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  float* in = fftwf_alloc_real(count);
  fftwf_complex* out = fftwf_alloc_complex(static_cast<std::size_t>(height) *
                                           static_cast<std::size_t>(width / 2 + 1));
  // Measuring times real transforms under this lock: fine for tiles and
  // crops, seconds for a full 4k frame (blocking every thread that needs a
  // plan), so large planes get FFTW's estimate instead.
  constexpr std::size_t kMeasuredPixels = std::size_t{1} << 22;
  const unsigned flags =
      (count <= kMeasuredPixels ? FFTW_MEASURE : FFTW_ESTIMATE) | FFTW_DESTROY_INPUT;
  // Wisdom only: null when this size was never measured on this machine.
  const auto make = [&](unsigned f) {
    return inverse ? fftwf_plan_dft_c2r_2d(height, width, out, in, f)
                   : fftwf_plan_dft_r2c_2d(height, width, in, out, f);
  };
  fftwf_plan plan = in && out ? make(flags | FFTW_WISDOM_ONLY) : nullptr;
  if (!plan && in && out) {
    plan = make(flags);
    if (plan) save_wisdom(wisdom);
  }
  fftwf_free(in);
  fftwf_free(out);
  if (!plan)
    throw Error("FFTW: cannot plan a " + std::to_string(width) + " x " + std::to_string(height) +
                (inverse ? " inverse" : "") + " real transform");
  plans.emplace(std::tuple{width, height, inverse}, plan);
  return plan;
}

// Each thread keeps the buffers of its last transform size: an import
// worker measures thousands of micrographs of one size, and fresh buffers
// each time cost more in page faults (zeroing 2 MiB per 512 x 512 tile) than
// the windowing pass itself. A second RealFft2d alive on the same thread, or
// a side above kKeptSide, gets buffers of its own.
struct ThreadBuffers {
  int n = 0;
  float* input = nullptr;
  fftwf_complex* output = nullptr;
  bool leased = false;
  ~ThreadBuffers() {
    fftwf_free(input);
    fftwf_free(output);
  }
};
thread_local ThreadBuffers thread_buffers;
constexpr int kKeptSide = 1024;

} // namespace

RealFft2d::RealFft2d(int n) : n_(n) {
  if (n < 2 || n % 2 != 0)
    throw Error("RealFft2d: tile side must be even, got " + std::to_string(n));
  plan_ = plan_for(n, n, false);
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  const auto complex_count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n / 2 + 1);
  ThreadBuffers& kept = thread_buffers;
  if (!kept.leased && n <= kKeptSide) {
    if (kept.n != n) {
      fftwf_free(kept.input);
      fftwf_free(kept.output);
      kept.n = 0;
      kept.input = fftwf_alloc_real(count);
      kept.output = fftwf_alloc_complex(complex_count);
      if (kept.input && kept.output) kept.n = n;
    }
    if (kept.n == n) {
      kept.leased = true;
      leased_ = true;
      input_ = kept.input;
      output_ = reinterpret_cast<std::complex<float>*>(kept.output);
      return;
    }
  }
  input_ = fftwf_alloc_real(count);
  output_ = reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(complex_count));
  if (!input_ || !output_) {
    fftwf_free(input_);
    fftwf_free(output_);
    throw Error("RealFft2d: out of memory for a " + std::to_string(n) + " x " + std::to_string(n) +
                " tile");
  }
}

RealFft2d::~RealFft2d() {
  if (leased_) {
    thread_buffers.leased = false;
    return;
  }
  fftwf_free(input_);
  fftwf_free(output_);
}

void RealFft2d::transform() {
  // std::complex<float> and fftwf_complex share their layout (FFTW manual,
  // "Complex numbers").
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), input_,
                        reinterpret_cast<fftwf_complex*>(output_));
}

ATELIER_HOT_LOOP
void RealFft2d::add_power(std::vector<float>& power) const {
  const std::size_t count = static_cast<std::size_t>(n_) * static_cast<std::size_t>(n_ / 2 + 1);
  if (power.size() != count) power.assign(count, 0.0f);
  const auto* out = reinterpret_cast<const float*>(output_);
  float* acc = power.data();
  for (std::size_t i = 0; i < count; ++i)
    acc[i] += out[2 * i] * out[2 * i] + out[2 * i + 1] * out[2 * i + 1];
}

} // namespace atelier::metrics

namespace atelier::metrics {

RealFftPlane::RealFftPlane(int width, int height) : width_(width), height_(height) {
  if (width < 2 || width % 2 != 0 || height < 1)
    throw Error("RealFftPlane: width must be even and height positive, got " +
                std::to_string(width) + " x " + std::to_string(height));
  forward_ = plan_for(width, height, false);
  inverse_ = plan_for(width, height, true);
  real_ = fftwf_alloc_real(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  spectrum_ = reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(spectrum_size()));
  if (!real_ || !spectrum_) {
    fftwf_free(real_);
    fftwf_free(spectrum_);
    throw Error("RealFftPlane: out of memory for a " + std::to_string(width) + " x " +
                std::to_string(height) + " transform");
  }
}

RealFftPlane::~RealFftPlane() {
  fftwf_free(real_);
  fftwf_free(spectrum_);
}

void RealFftPlane::forward() {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_), real_,
                        reinterpret_cast<fftwf_complex*>(spectrum_));
}

void RealFftPlane::inverse() {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inverse_),
                        reinterpret_cast<fftwf_complex*>(spectrum_), real_);
}

} // namespace atelier::metrics
