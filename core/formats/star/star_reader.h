// RELION STAR reader (3.0 and 3.1+ with data_optics): the parser and `info`.
//
// Accepted: data_ blocks holding either "_key value" pairs or one loop_
// (labels, then one row per line); '..' and ".." quoted values (a quote closes
// only before whitespace or the line end, as in CIF); '#' comments; blank
// lines; CRLF line ends. Rejected with "<path>: line N: <reason>": ragged
// rows, unterminated quotes, a loop_ without labels, ';' multi-line text
// fields, save_/global_/stop_, a block mixing pairs and a loop, control bytes.
#pragma once

#include "core/formats/star/star_file.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Parses the whole source; memory stays proportional to its size. Errors and
// StarFile::source name src.name().
StarFile read_star(const ByteSource& src);
StarFile read_star(const std::string& path);

// Header facts for `atelier-cli info`: rows (of the main table), spacing (the
// pixel size of its first row, unit "A", source star_file) and extra:
// star_style, blocks ("data_optics,data_particles"), columns (of the main
// table), optics_groups (3.1), pixel_size_A (when found). No stats: a STAR
// file holds no pixel data. Throws FormatError naming the file and the reason.
FileInfo inspect_star(const std::string& path);

} // namespace atelier
