// GDAL set-up shared by GDAL-backed readers: drivers registered once, and a
// scope that keeps GDAL's messages off stderr while remembering the first
// failure, so it can be reported in a FormatError.
#pragma once

#include <string>

namespace atelier {

// GDALAllRegister, once per process.
void ensure_gdal_registered();

// While alive, GDAL errors and warnings on this thread go to this object
// instead of stderr (GDAL's handler stack is thread-local).
class GdalErrorScope {
public:
  GdalErrorScope();
  ~GdalErrorScope();
  GdalErrorScope(const GdalErrorScope&) = delete;
  GdalErrorScope& operator=(const GdalErrorScope&) = delete;

  // The first failure's text, else CPLGetLastErrorMsg(), else fallback.
  std::string message(const std::string& fallback) const;
  void note(const char* text);

private:
  std::string first_failure_;
};

} // namespace atelier
