// Writing a simulation: MRC files per micrograph, truth.json, and the worker
// threads that run micrographs in parallel.
#include "core/base/error.h"
#include "core/data/image.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/io/atomic_file.h"
#include "core/io/json_writer.h"
#include "core/simulate/micrograph_simulator.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

namespace atelier::simulate {
namespace {

Image float_image(const std::vector<float>& values, int n, double pixel_size_A) {
  Image img(n, n, 1, DType::f32);
  std::memcpy(img.bytes(), values.data(), values.size() * sizeof(float));
  img.spacing.xyz = {pixel_size_A, pixel_size_A, pixel_size_A};
  img.spacing.unit = "A";
  return img;
}

void write_micrograph(const std::string& dir, const SimulationOptions& o,
                      const SimulatedMicrograph& m) {
  const std::string base = dir + "/" + m.truth.name;
  MrcWriteOptions wo;
  wo.labels = {"atelier simulate micrographs"};
  if (!o.no_movies) {
    const std::size_t nn = static_cast<std::size_t>(m.size) * static_cast<std::size_t>(m.size);
    const bool i8 = o.movie_storage == MovieStorage::int8;
    std::vector<Image> frames;
    frames.reserve(static_cast<std::size_t>(m.frames));
    for (int f = 0; f < m.frames; ++f) {
      Image img(m.size, m.size, 1, i8 ? DType::i8 : DType::u16);
      const std::uint16_t* src = m.movie.data() + nn * static_cast<std::size_t>(f);
      if (i8) {
        auto dst = img.values<std::int8_t>();
        for (std::size_t i = 0; i < nn; ++i)
          dst[i] = static_cast<std::int8_t>(src[i]);
      } else {
        std::memcpy(img.bytes(), src, nn * sizeof(std::uint16_t));
      }
      img.spacing.xyz = {o.pixel_size_A, o.pixel_size_A, o.pixel_size_A};
      img.spacing.unit = "A";
      frames.push_back(std::move(img));
    }
    write_mrc_stack(base + "_movie.mrcs", frames, wo);
  }
  write_mrc(base + "_sum.mrc", float_image(m.sum, m.size, o.pixel_size_A), wo);
  write_mrc(base + "_odd.mrc", float_image(m.odd, m.size, o.pixel_size_A), wo);
  write_mrc(base + "_even.mrc", float_image(m.even, m.size, o.pixel_size_A), wo);
  write_mrc(base + "_clean.mrc", float_image(m.clean, m.size, o.pixel_size_A), wo);
}

void write_truth(const std::string& path, const SimulationOptions& o,
                 const std::vector<MicrographTruth>& truths) {
  JsonWriter j(2);
  j.begin_object();
  j.key("generator").value("atelier simulate micrographs");
  j.key("seed").value(o.seed);
  j.key("count").value(o.count);
  j.key("size").value(o.size);
  j.key("frames").value(o.frames);
  j.key("movies").value(!o.no_movies);
  j.key("movie_mrc_mode").value(o.movie_storage == MovieStorage::int8 ? 0 : 6);
  j.key("units").value("drifts and particles in pixels, defocus in A, voltage in kV, Cs in mm, "
                       "dose in e-/A^2, B-factor in A^2");
  j.key("drift_convention")
      .value("frame f shows the clean image moved by drifts_px[f]: frame(p) = clean(p - drift); "
             "frame 1 is at (0, 0)");
  j.key("sums").value("aligned: each noisy frame is shifted back by -drift (Fourier shift) "
                      "before summing; odd = frames 1, 3, 5, ..., even = frames 2, 4, ...; "
                      "sum = odd + even; Nyquist row and column left out");
  j.key("clean").value("noise-free expectation of the sum: frames x counts per frame x "
                       "(1 + contrast)");
  j.key("ctf_convention")
      .value("CTF = -sin(pi lambda df k^2 - pi/2 Cs lambda^3 k^4 + atan(A / sqrt(1 - A^2))) "
             "exp(-B k^2 / 4), defocus positive = underfocus; image = counts (1 + 2 sigma_e "
             "IFT[CTF FT[projected potential]])");
  j.key("micrographs").begin_array();
  for (const MicrographTruth& t : truths) {
    j.begin_object();
    j.key("name").value(t.name);
    if (!o.no_movies) j.key("movie").value(t.name + "_movie.mrcs");
    j.key("sum").value(t.name + "_sum.mrc");
    j.key("odd").value(t.name + "_odd.mrc");
    j.key("even").value(t.name + "_even.mrc");
    j.key("clean").value(t.name + "_clean.mrc");
    j.key("pixel_size_A").value(t.ctf.pixel_size_A);
    j.key("voltage_kV").value(t.ctf.voltage_kV);
    j.key("cs_mm").value(t.ctf.cs_mm);
    j.key("amplitude_contrast").value(t.ctf.amplitude_contrast);
    j.key("defocus_u_A").value(t.ctf.defocus_u_A);
    j.key("defocus_v_A").value(t.ctf.defocus_v_A);
    j.key("astigmatism_angle_deg").value(t.ctf.astigmatism_angle_deg);
    j.key("bfactor_A2").value(t.ctf.bfactor_A2);
    j.key("ctf_first_zero_inv_A").value(ctf_first_zero_frequency(t.ctf));
    j.key("dose_per_frame_e_per_A2").value(t.dose_per_frame_e_per_A2);
    j.key("expected_counts_per_pixel_per_frame").value(t.expected_counts_per_pixel_per_frame);
    j.key("ice_thickness_A").value(t.ice_thickness_A);
    j.key("ice_structure").value(t.ice_structure);
    j.key("clipped_counts").value(t.clipped_counts);
    j.key("drifts_px").begin_array();
    for (const auto& d : t.drifts_px)
      j.begin_array().value(d[0]).value(d[1]).end_array();
    j.end_array();
    j.key("particles_px").begin_array();
    for (const auto& c : t.particles_px)
      j.begin_array().value(c[0]).value(c[1]).end_array();
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  write_file_atomic(path, j.str() + "\n");
}

} // namespace

void simulate_micrographs(const std::string& out_dir, const SimulationOptions& o,
                          const SimulationProgress& progress) {
  validate_options(o);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir))
    throw Error("simulate micrographs: cannot create " + out_dir +
                (ec ? ": " + ec.message() : std::string()));

  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = o.threads > 0 ? static_cast<unsigned>(o.threads) : hw;
  threads = std::min({threads, hw, static_cast<unsigned>(o.count)});

  std::vector<MicrographTruth> truths(static_cast<std::size_t>(o.count));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex; // guards done, error and progress calls
  int done = 0;
  std::exception_ptr error;
  auto worker = [&] {
    for (;;) {
      const int i = next.fetch_add(1);
      if (i >= o.count || failed.load()) return;
      try {
        SimulatedMicrograph m = simulate_micrograph(o, i);
        write_micrograph(out_dir, o, m);
        std::lock_guard<std::mutex> lock(mutex);
        truths[static_cast<std::size_t>(i)] = std::move(m.truth);
        ++done;
        if (progress) progress(done, o.count);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& th : pool)
    th.join();
  if (error) std::rethrow_exception(error);
  write_truth(out_dir + "/truth.json", o, truths);
}

} // namespace atelier::simulate
