// libtiff open/close with per-handle error capture (libtiff >= 4.5 TIFFOpenExt),
// which leaves the process-wide handlers alone: GDAL installs its own there.
#include "core/formats/tiff/tiff_handle.h"

#include "core/base/error.h"

#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace atelier {
namespace {

int keep_first_error(TIFF*, void* user_data, const char* module, const char* fmt, va_list ap) {
  auto* error = static_cast<std::string*>(user_data);
  if (error->empty()) {
    char text[512];
    std::vsnprintf(text, sizeof text, fmt, ap);
    *error = (module && *module) ? std::string(module) + ": " + text : std::string(text);
    for (char& c : *error)
      if (c == '\n' || c == '\r') c = ' '; // FormatError messages are one line
  }
  return 1; // handled: libtiff must not call the global (stderr) handlers
}

int drop_warning(TIFF*, void*, const char*, const char*, va_list) {
  return 1;
}

// libtiff refuses single allocations above this (strip buffers, tag arrays);
// our own guards on decoded sizes come first.
constexpr tmsize_t kMaxLibtiffAlloc = tmsize_t{1} << 30;

} // namespace

TiffHandle::TiffHandle(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw FormatError(path, "cannot open: not a regular file");
  file_size_ = std::filesystem::file_size(path, ec);
  if (ec) throw FormatError(path, "cannot open: " + ec.message());

  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, keep_first_error, &error_);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, drop_warning, nullptr);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, kMaxLibtiffAlloc);
  tif_ = TIFFOpenExt(path.c_str(), "r", opts);
  TIFFOpenOptionsFree(opts);
  if (!tif_) fail("not a readable TIFF");
}

TiffHandle::~TiffHandle() {
  if (tif_) TIFFClose(tif_);
}

void TiffHandle::fail(const std::string& what) const {
  throw FormatError(path_, error_.empty() ? what : what + " (libtiff: " + error_ + ")");
}

} // namespace atelier
