// What kind of item a file is, decided from its header facts (FileInfo) and
// name, and the cheap header-only facts import records for it.
//
// Heuristics (documented because they decide which metrics run):
// - MRC with one section: an "image", metric kind micrograph.
// - MRC with several sections: ispg >= 1 is a "volume" (preview: middle
//   section); integer data (counts) or a name containing "movie", "frames" or
//   "fractions" is a "movie" (preview: frame sum); otherwise a "stack"
//   (particles, preview: first section, metric kind unknown).
// - TIFF with several single-band pages: a "movie" when its name says so
//   (as above) or its integer frames are detector-sized (a side of 2048 or
//   more: K2/K3/Falcon frames), else a "volume" (EM serial sections,
//   segmentations, subtomograms; preview: middle page); multi-band pages are
//   a "stack". One page is a micrograph when its pixel size is in Å or nm
//   (ImageJ / cryo-EM writers), else a plain raster.
// - PNG / JPEG: raster. DICOM: xray for projection modalities (CR, DX, MG,
//   RF, XA, IO, PX), else medical. GeoTIFF: geo. NIfTI: volume (middle slice).
// - Point clouds (ply, pcd, xyz, las): "points", no preview image.
#pragma once

#include "core/io/file_info.h"
#include "core/metrics/metric_registry.h"

#include <string>

namespace atelier::import {

struct ItemClass {
  std::string kind = "unknown"; // ItemRecord::kind
  metrics::ItemKind metric_kind = metrics::ItemKind::unknown;
  bool has_preview = false; // read_preview_image gives an image
};

ItemClass classify_item(const FileInfo& info);

// Header facts for import: MRC from its header alone (no pass over the data,
// so no stats); every other format through inspect_file. Throws FormatError
// (or UnsupportedError) like inspect_file.
FileInfo read_item_facts(const std::string& path, const std::string& format);

} // namespace atelier::import
