// Shared FFTW plans with wisdom on disk, and per-thread kept buffers.
#include "core/metrics/fftw_plans.h"

#include "core/base/error.h"
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

const char* kind_name(FftKind kind) {
  switch (kind) {
  case FftKind::real_forward: return "real";
  case FftKind::real_inverse: return "inverse real";
  case FftKind::complex_forward: return "complex";
  }
  return "";
}

} // namespace

void* shared_fftw_plan(FftKind kind, int width, int height, PlanEffort effort) {
  std::lock_guard lock(planner_mutex());
  // Plans live as long as the process (FFTW's planner is not thread safe,
  // executing a plan is): never destroyed, and kept reachable so a leak
  // checker does not count them.
  static auto& plans = *new std::map<std::tuple<FftKind, int, int, PlanEffort>, fftwf_plan>;
  static const std::string wisdom = [] {
    std::string path = wisdom_path();
    load_wisdom(path);
    return path;
  }();
  const auto key = std::tuple{kind, width, height, effort};
  if (auto it = plans.find(key); it != plans.end()) return it->second;
  const auto count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  const bool complex = kind == FftKind::complex_forward;
  // Scratch arrays for the planner: the real side, and the complex side
  // (n x (width / 2 + 1) coefficients, or n x width for complex input).
  float* real = complex ? nullptr : fftwf_alloc_real(count);
  fftwf_complex* in = complex ? fftwf_alloc_complex(count) : nullptr;
  fftwf_complex* out = fftwf_alloc_complex(
      complex ? count : static_cast<std::size_t>(height) * static_cast<std::size_t>(width / 2 + 1));
  constexpr std::size_t kMeasuredPixels = std::size_t{1} << 22;
  const unsigned rigor = count > kMeasuredPixels         ? FFTW_ESTIMATE
                         : effort == PlanEffort::patient ? FFTW_PATIENT
                                                         : FFTW_MEASURE;
  const unsigned flags = rigor | FFTW_DESTROY_INPUT;
  const bool ready = out && (complex ? in != nullptr : real != nullptr);
  const auto make = [&](unsigned f) {
    switch (kind) {
    case FftKind::real_forward: return fftwf_plan_dft_r2c_2d(height, width, real, out, f);
    case FftKind::real_inverse: return fftwf_plan_dft_c2r_2d(height, width, out, real, f);
    case FftKind::complex_forward:
      return fftwf_plan_dft_2d(height, width, in, out, FFTW_FORWARD, f);
    }
    return fftwf_plan{};
  };
  // Wisdom only first: null when this shape was never planned on this machine.
  fftwf_plan plan = ready ? make(flags | FFTW_WISDOM_ONLY) : nullptr;
  if (!plan && ready) {
    plan = make(flags);
    if (plan) save_wisdom(wisdom);
  }
  fftwf_free(real);
  fftwf_free(in);
  fftwf_free(out);
  if (!plan)
    throw Error(std::string("FFTW: cannot plan a ") + std::to_string(width) + " x " +
                std::to_string(height) + " " + kind_name(kind) + " transform");
  plans.emplace(key, plan);
  return plan;
}

KeptBuffers::~KeptBuffers() {
  fftwf_free(first_);
  fftwf_free(second_);
}

bool KeptBuffers::lease(std::size_t first_bytes, std::size_t second_bytes, void*& first,
                        void*& second) {
  if (leased_) return false;
  if (first_bytes != first_bytes_ || second_bytes != second_bytes_ || !first_ || !second_) {
    fftwf_free(first_);
    fftwf_free(second_);
    first_ = fftwf_malloc(first_bytes);
    second_ = fftwf_malloc(second_bytes);
    first_bytes_ = first_bytes;
    second_bytes_ = second_bytes;
    if (!first_ || !second_) {
      fftwf_free(first_);
      fftwf_free(second_);
      first_ = second_ = nullptr;
      return false;
    }
  }
  leased_ = true;
  first = first_;
  second = second_;
  return true;
}

FftBuffers::FftBuffers(KeptBuffers* kept, std::size_t first_bytes, std::size_t second_bytes,
                       const char* what) {
  if (kept && kept->lease(first_bytes, second_bytes, first_, second_)) {
    leased_from_ = kept;
    return;
  }
  first_ = fftwf_malloc(first_bytes);
  second_ = fftwf_malloc(second_bytes);
  if (first_ && second_) return;
  fftwf_free(first_);
  fftwf_free(second_);
  throw Error(std::string(what) + ": out of memory for its transform buffers");
}

FftBuffers::~FftBuffers() {
  if (leased_from_) {
    leased_from_->release();
    return;
  }
  fftwf_free(first_);
  fftwf_free(second_);
}

} // namespace atelier::metrics
