#include "core/data/point_cloud.h"

namespace atelier {

const ScalarField* PointCloud::field(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

ScalarField& PointCloud::add_field(std::string name) {
  fields.push_back(ScalarField{std::move(name), {}});
  return fields.back();
}

} // namespace atelier
