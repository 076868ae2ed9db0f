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

// Error unless the record can scale pixels: finite mean, finite std > 0.
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

// Mean and population standard deviation over every pixel of both halves of
// every pair, pooled exactly in double (per-image sums merged in list order,
// so the result does not depend on `threads`). Loads `threads` pairs at a
// time and keeps none. progress(done, total) after each pair. Throws the
// loading errors (FormatError naming the file) and Error for no pairs.
NormalizationRecord
pairs_statistics(const std::vector<ImagePair>& pairs, int threads,
                 const std::function<void(std::size_t, std::size_t)>& progress = {});

} // namespace atelier::denoise
