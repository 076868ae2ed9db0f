// How a denoise run scales pixels before the network sees them, frozen in
// run.json's "normalisation" object (and so in every checkpoint's recipe):
// each half sum by its own mean and standard deviation, or every image by one
// dataset-wide record. Inference reads it back from the checkpoint.
#pragma once

#include "core/io/json_writer.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"
#include "core/run/run_json.h"

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace atelier::denoise {

enum class NormalisationScheme { per_image, dataset };

struct RunNormalisation {
  NormalisationScheme scheme = NormalisationScheme::per_image;
  NormalizationRecord record; // the dataset scheme's mean and std
  std::string source;         // where the record came from, for people
};

// "image" or "dataset" (the --normalisation option); Error otherwise.
NormalisationScheme parse_normalisation_scheme(const std::string& name);
const char* normalisation_scheme_name(NormalisationScheme scheme);

// Error unless the record can scale pixels: finite mean, finite std of at
// least kStdFloor.
void check_normalisation_record(const NormalizationRecord& record, const std::string& what);

// The "normalisation" object: {"scheme": "per_image_mean_std"} or
// {"scheme": "dataset_mean_std", "mean": m, "std": s, "source": ...}, with a
// description. The caller has written the key.
void write_normalisation_json(JsonWriter& j, const RunNormalisation& n);
// Reads it back; nullptr (a run or checkpoint from before the record)
// means per image. FormatError(source_name, ...) for an unknown scheme or a
// dataset record that cannot scale pixels.
RunNormalisation read_normalisation_json(const run::JsonNode* node, const std::string& source_name);
// The same from a checkpoint's recipe JSON (run.json's text); empty text
// means per image.
RunNormalisation normalisation_of_recipe(const std::string& recipe_json,
                                         const std::string& source_name);

// Pixel count, mean and sum of squared deviations of a set of pixels;
// merge_moments pools two sets (Chan et al.'s update: exact in exact
// arithmetic, without the cancellation of summing squares).
struct PixelMoments {
  double n = 0, mean = 0, m2 = 0;
  NormalizationRecord record() const; // mean and population std
};
PixelMoments pixel_moments(double count, const NormalizationRecord& record);
PixelMoments image_moments(std::span<const float> pixels);
PixelMoments merge_moments(const PixelMoments& a, const PixelMoments& b);

// Mean and population standard deviation over every pixel of both halves of
// every pair, in double (each image's statistics merged in list order, so
// the result does not depend on `threads`). Loads up to `threads` pairs at a
// time and keeps none. progress(done, total) after each pair. Throws the
// error of the first unreadable pair in list order (FormatError naming the
// file) and Error for no pairs.
NormalizationRecord
pairs_statistics(const std::vector<ImagePair>& pairs, int threads,
                 const std::function<void(std::size_t, std::size_t)>& progress = {});

} // namespace atelier::denoise
