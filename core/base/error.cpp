#include "core/base/error.h"

namespace atelier {

Error::Error(const std::string& message, SourceLocation where)
    : std::runtime_error(message), message_(message), file_(where.file), line_(where.line) {}

FormatError::FormatError(const std::string& path, const std::string& reason, SourceLocation where)
    : Error(path + ": " + reason, where), path_(path), reason_(reason) {}

} // namespace atelier
