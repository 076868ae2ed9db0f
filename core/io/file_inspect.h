// Format detection and the `info` entry point: which reader handles a file,
// and its FileInfo (header facts plus statistics of the decoded data).
#pragma once

#include "core/io/file_info.h"

#include <string>
#include <vector>

namespace atelier {

// The format name ("mrc", "tiff", ...) from magic bytes, then the extension.
// Throws FormatError ("unrecognised format") when nothing matches.
std::string detect_format(const std::string& path);

// Reads the header and decodes the data to measure it. Throws FormatError
// naming the file and the reason for anything unreadable, UnsupportedError
// when this build lacks the library the format needs.
FileInfo inspect_file(const std::string& path);

// Formats this build can read.
std::vector<std::string> supported_formats();

} // namespace atelier
