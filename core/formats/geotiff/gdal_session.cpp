// GDAL registration and quiet, capturing error handling.
#include "core/formats/geotiff/gdal_session.h"

#include <cpl_error.h>
#include <gdal.h>

#include <mutex>

namespace atelier {
namespace {

void CPL_STDCALL capture_error(CPLErr level, CPLErrorNum, const char* text) {
  if (level < CE_Failure) return; // warnings and debug output are dropped
  auto* scope = static_cast<GdalErrorScope*>(CPLGetErrorHandlerUserData());
  if (scope) scope->note(text);
}

} // namespace

void ensure_gdal_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALAllRegister();
    CPLPopErrorHandler();
  });
}

GdalErrorScope::GdalErrorScope() {
  CPLPushErrorHandlerEx(capture_error, this);
  CPLErrorReset();
}

GdalErrorScope::~GdalErrorScope() {
  CPLPopErrorHandler();
}

void GdalErrorScope::note(const char* text) {
  if (!first_failure_.empty() || !text || !*text) return;
  first_failure_ = text;
  for (char& c : first_failure_)
    if (c == '\n' || c == '\r') c = ' '; // FormatError messages are one line
}

std::string GdalErrorScope::message(const std::string& fallback) const {
  if (!first_failure_.empty()) return fallback + " (GDAL: " + first_failure_ + ")";
  const char* last = CPLGetLastErrorMsg();
  if (last && *last) return fallback + " (GDAL: " + last + ")";
  return fallback;
}

} // namespace atelier
