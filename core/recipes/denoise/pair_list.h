// Pair lists for Noise2Noise training: a text file naming the odd and even
// half-sums of each micrograph, and a deterministic train / validation split.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace atelier::denoise {

struct ImagePair {
  std::string odd_path, even_path;
};

// Reads a pair list: one `odd_path even_path` per line, separated by spaces or
// tabs. A path holding spaces is written in double quotes ("my dir/a.mrc");
// there are no escapes inside quotes. A '#' at the start of a token (outside
// quotes) starts a comment that runs to the end of the line; blank and
// comment-only lines are skipped; CRLF line ends and a UTF-8 byte-order mark
// are accepted (UTF-16 is refused). Relative paths
// are resolved against the folder of the list file; all come back absolute.
// Throws FormatError(list_path, "line N: ...") for a line without exactly two
// paths, an unterminated quote, a NUL byte or one file as both halves, and
// for a list with no pairs;
// FormatError(image_path, "... (line N of <list>)") for an image that does
// not exist or is not a regular file.
std::vector<ImagePair> read_pair_list(const std::string& list_path);

// Splits pairs into (train, validation) by a shuffle that depends only on
// seed and the number of pairs (splitmix64-driven Fisher-Yates, the same on
// every platform). round(val_fraction * n) pairs go to validation, but at
// least one when val_fraction > 0 and n >= 2, and never all of them: training
// keeps at least one pair. Each part keeps the list order. Throws Error for a
// val_fraction outside [0, 1].
std::pair<std::vector<ImagePair>, std::vector<ImagePair>>
split_pairs(const std::vector<ImagePair>& pairs, double val_fraction, std::uint64_t seed);

} // namespace atelier::denoise
