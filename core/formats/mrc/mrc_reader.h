// MRC / MRCS reader (modes 0, 1, 2, 6, 12, 101): `info` facts. The typed,
// lazy per-frame API is MrcFile (mrc_file.h); the writer is in mrc_writer.h.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier {

// Header facts plus statistics of the decoded data (streamed frame by frame),
// for `atelier-cli info`. extra: mrc_mode, ispg, nsymbt (when > 0), exttyp
// (when set). Throws FormatError naming the file and the reason.
FileInfo inspect_mrc(const std::string& path);

} // namespace atelier
