// The two passes of align_movie (see movie_align.h).
#include "core/movies/movie_align.h"

#include "core/base/error.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/import/item_class.h"
#include "core/io/atomic_file.h"
#include "core/io/file_inspect.h"
#include "core/io/json_writer.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/fourier_shift.h"
#include "core/metrics/plane.h"
#include "core/metrics/real_fft.h"

#include <cmath>
#include <complex>
#include <filesystem>
#include <optional>
#include <vector>

namespace atelier::movies {
namespace {

Image half_image(metrics::RealFftPlane& fft, std::vector<std::complex<float>>& spectrum,
                 const Spacing& spacing) {
  std::copy(spectrum.begin(), spectrum.end(), fft.spectrum());
  fft.inverse();
  Image out(fft.width(), fft.height(), 1, DType::f32, Image::uninitialized);
  out.spacing = spacing;
  const float scale = 1.0f / (static_cast<float>(fft.width()) * static_cast<float>(fft.height()));
  auto v = out.values<float>();
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = fft.real()[i] * scale;
  return out;
}

} // namespace

AlignedPaths aligned_paths(const std::string& out_dir, const std::string& movie) {
  const std::filesystem::path dir(out_dir);
  const std::string stem = movie_stem(movie);
  return {(dir / (stem + "_sum.mrc")).string(), (dir / (stem + "_odd.mrc")).string(),
          (dir / (stem + "_even.mrc")).string(), (dir / (stem + "_drift.json")).string(),
          (dir / (stem + "_sum_dw.mrc")).string()};
}

bool aligned_outputs_exist(const std::string& out_dir, const std::string& movie,
                           const DoseSchedule& dose) {
  const AlignedPaths p = aligned_paths(out_dir, movie);
  std::error_code ec;
  if (!std::filesystem::exists(p.sum, ec) || !std::filesystem::exists(p.odd, ec) ||
      !std::filesystem::exists(p.even, ec))
    return false;
  if (!dose.weighted()) return true;
  try {
    const MrcHeader h = MrcFile(p.dose_weighted).header(); // a copy: the file closes here
    const std::string expected = "Atelier: " + describe(dose);
    for (int i = 0; i < std::min(h.nlabl, 10); ++i)
      if (h.label(i) == expected) return true;
  } catch (const std::exception&) {
  }
  return false; // missing, unreadable, or weighted for another schedule
}

void write_aligned(const std::string& out_dir, const std::string& movie, const AlignedMovie& a) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw FormatError(out_dir, "cannot make the folder: " + ec.message());
  const AlignedPaths p = aligned_paths(out_dir, movie);
  // The sum marks a movie done: an old one goes first, so a failed rewrite
  // never leaves it beside halves from another run.
  std::filesystem::remove(p.sum, ec);
  MrcWriteOptions mrc;
  mrc.labels = {"Atelier: drift-corrected from " + movie_stem(movie)};
  write_mrc(p.odd, a.odd, mrc);
  write_mrc(p.even, a.even, mrc);
  if (a.dose_weighted.width() > 0) {
    MrcWriteOptions dw = mrc;
    dw.labels.push_back("Atelier: " + describe(a.dose)); // see aligned_outputs_exist
    write_mrc(p.dose_weighted, a.dose_weighted, dw);
  } else {
    std::filesystem::remove(p.dose_weighted, ec);
  }
  JsonWriter j(2);
  j.begin_object();
  j.key("movie").value(movie);
  j.key("pixel_size_A").value(a.pixel_size_A);
  j.key("convention")
      .value("frame f shows the aligned image moved by frames_px[f] (x, y); frame 1 at (0, 0); "
             "odd = frames 1, 3, 5, ...");
  if (a.dose_weighted.width() > 0) {
    j.key("dose_per_frame_e_per_A2").value(a.dose.dose_per_frame_e_per_A2);
    j.key("pre_exposure_e_per_A2").value(a.dose.pre_exposure_e_per_A2);
    j.key("voltage_kV").value(a.dose.voltage_kV);
  }
  j.key("drift_total_px").value(a.drift.total_px);
  j.key("drift_net_px").value(a.drift.net_px);
  j.key("frames_px").begin_array();
  for (const auto& f : a.drift.frame_px) {
    j.begin_array();
    j.value(f[0]).value(f[1]);
    j.end_array();
  }
  j.end_array();
  j.end_object();
  try {
    write_file_atomic(p.drift_json, j.str() + "\n");
  } catch (const std::exception& e) {
    throw FormatError(p.drift_json, e.what());
  }
  write_mrc(p.sum, a.sum, mrc); // last: its presence marks the movie done
}

std::string movie_stem(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".mrcs", ".mrc", ".tiff", ".tif", ".MRCS", ".MRC", ".TIFF", ".TIF"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return name.substr(0, name.size() - e.size());
  }
  return name;
}

AlignedMovie align_movie(const std::string& path, const AlignOptions& options,
                         const std::function<void(int, int)>& frames_done,
                         const std::atomic<bool>* cancel) {
  const std::string format = detect_format(path);
  if (format != "mrc" && format != "tiff")
    throw FormatError(path, "not a movie: an MRC or TIFF stack is needed, this is " +
                                (format.empty() ? std::string("an unknown format") : format));
  const FileInfo info = import::read_item_facts(path, format);
  const std::int64_t frames = info.dims.size() >= 3 ? info.dims[2] : 1;
  if (frames < 2) throw FormatError(path, "not a movie: it has a single frame");
  if (info.bands.value_or(1) > 1)
    throw FormatError(path,
                      "not a movie: its frames have " + std::to_string(*info.bands) + " bands");
  const std::int64_t width = info.dims[0], height = info.dims[1];
  // At most about 24 bytes a pixel (34 when weighting): two half spectra
  // (three) and the transform's buffers while summing (and the weights), the
  // images as they are made.
  constexpr std::int64_t kMaxPixels = std::int64_t{1} << 27; // 1.4 x K3 super-resolution
  if (width < 2 || height < 2 || width > 65536 || height > 65536 || width * height > kMaxPixels)
    throw FormatError(path, "frames of " + std::to_string(width) + " x " + std::to_string(height) +
                                " cannot be aligned (at most " + std::to_string(kMaxPixels) +
                                " pixels)");

  AlignedMovie out;
  out.pixel_size_A =
      options.pixel_size_A > 0 ? options.pixel_size_A : metrics::pixel_size_in_A(info.spacing);
  const bool weighted = options.dose.weighted();
  if (weighted && !(out.pixel_size_A > 0))
    throw FormatError(path, "exposure weighting needs the pixel size: the file has none, give it");
  if (weighted) out.dose = options.dose;
  const auto check_cancel = [&] {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw AlignCancelled{};
  };
  const int total = static_cast<int>(2 * frames);
  // An MRC stack is opened once for both passes; TIFF pages are read by index.
  std::optional<MrcFile> mrc;
  if (format == "mrc") mrc.emplace(path);
  const auto read_frame = [&](std::int64_t f) {
    Image frame = mrc ? mrc->read_frame(f) : read_tiff_page(path, static_cast<int>(f));
    if (frame.width() != width || frame.height() != height || frame.channels() != 1)
      throw FormatError(path, "frame " + std::to_string(f + 1) + " differs from the first");
    return frame;
  };

  // Pass 1: the trajectory.
  metrics::MovieDriftTracker tracker(width, height, frames, out.pixel_size_A);
  if (!tracker.active())
    throw FormatError(path, "frames of " + std::to_string(width) + " x " + std::to_string(height) +
                                " are too small to measure drift");
  Spacing spacing;
  for (std::int64_t f = 0; f < frames; ++f) {
    check_cancel();
    const Image frame = read_frame(f);
    if (f == 0) spacing = frame.spacing;
    metrics::FloatPlane storage;
    tracker.add_frame(f, metrics::band_view(frame, 0, storage));
    if (frames_done) frames_done(static_cast<int>(f + 1), total);
  }
  out.drift = tracker.estimate();

  // Pass 2: each frame moved back by its position, into its half. The FFT
  // needs an even width: an odd one drops its last column.
  const int w = static_cast<int>(width - (width % 2)), h = static_cast<int>(height);
  metrics::RealFftPlane fft(w, h);
  std::vector<std::complex<float>> odd(fft.spectrum_size()), even(fft.spectrum_size());
  std::optional<DoseWeighter> weighter;
  std::vector<std::complex<float>> weighted_sum;
  if (weighted) {
    weighter.emplace(w, h, out.pixel_size_A, options.dose);
    weighted_sum.assign(fft.spectrum_size(), {});
  }
  for (std::int64_t f = 0; f < frames; ++f) {
    check_cancel();
    const Image frame = read_frame(f);
    metrics::FloatPlane storage;
    const metrics::PlaneView plane = metrics::band_view(frame, 0, storage);
    float* in = fft.real();
    for (int y = 0; y < h; ++y) {
      const float* row = plane.row(y);
      for (int x = 0; x < w; ++x) {
        const float v = row[x];
        in[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) +
           static_cast<std::size_t>(x)] = std::isfinite(v) ? v : 0.0f;
      }
    }
    fft.forward();
    const auto& at = out.drift.frame_px[static_cast<std::size_t>(f)];
    const metrics::ShiftPhases phases(w, h, at);
    metrics::add_shifted(f % 2 == 0 ? odd.data() : even.data(), fft.spectrum(), w, h, phases);
    if (weighter)
      metrics::add_shifted(weighted_sum.data(), fft.spectrum(), w, h, phases,
                           weighter->next_frame().data());
    if (frames_done) frames_done(static_cast<int>(frames + f + 1), total);
  }
  if (weighter) {
    weighter->normalise(weighted_sum);
    out.dose_weighted = half_image(fft, weighted_sum, spacing);
    std::vector<std::complex<float>>().swap(weighted_sum);
    weighter.reset();
  }
  out.odd = half_image(fft, odd, spacing);
  std::vector<std::complex<float>>().swap(odd);
  out.even = half_image(fft, even, spacing);
  std::vector<std::complex<float>>().swap(even);
  out.sum = Image(w, h, 1, DType::f32, Image::uninitialized);
  out.sum.spacing = spacing;
  auto s = out.sum.values<float>();
  const auto o = out.odd.values<float>();
  const auto e = out.even.values<float>();
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = o[i] + e[i];
  return out;
}

} // namespace atelier::movies
