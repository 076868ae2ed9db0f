// RELION-style STAR writer: aligned columns, "# version" lines kept, values
// quoted when they would otherwise be read differently. Written so that
// read_star(format_star(x)) == x, hence write -> read -> write is byte-identical.
#pragma once

#include "core/formats/star/star_file.h"

#include <string>

namespace atelier {

// The file's text. Throws atelier::Error for what STAR cannot hold: values
// with newlines or control bytes, values holding both ' and " before a blank,
// labels or block names with whitespace, a loop without columns.
std::string format_star(const StarFile& file);

// Writes to a temporary name in the same folder, then renames it over path,
// so readers never see half a file. Throws FormatError naming path.
void write_star(const std::string& path, const StarFile& file);

} // namespace atelier
