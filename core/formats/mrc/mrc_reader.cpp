// inspect_mrc: header facts from MrcFile plus statistics measured one frame at
// a time, so inspecting a multi-gigabyte stack holds one frame in memory.
#include "core/formats/mrc/mrc_reader.h"

#include "core/formats/mrc/mrc_file.h"

#include <vector>

namespace atelier {

FileInfo inspect_mrc(const std::string& path) {
  const MrcFile file(path);
  const MrcHeader& h = file.header();
  FileInfo info;
  info.dims = {file.width(), file.height(), file.frame_count()};
  info.dtype = file.dtype();
  info.spacing = file.spacing();

  RunningStats stats;
  std::vector<std::uint8_t> frame(file.frame_bytes());
  const std::size_t count = static_cast<std::size_t>(file.width() * file.height());
  for (std::int64_t z = 0; z < file.frame_count(); ++z) {
    file.read_frame_into(z, frame.data());
    stats.add(frame.data(), file.dtype(), count);
  }
  info.stats = stats;

  info.set_extra("mrc_mode", std::int64_t{h.mode});
  info.set_extra("ispg", std::int64_t{h.ispg});
  if (h.nsymbt > 0) info.set_extra("nsymbt", std::int64_t{h.nsymbt});
  if (const std::string ext = h.exttyp(); !ext.empty()) info.set_extra("exttyp", ext);
  return info;
}

} // namespace atelier
