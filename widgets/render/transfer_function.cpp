// Transfer-function presets and the label palette.
#include "widgets/render/transfer_function.h"

#include "core/base/error.h"

#include <vtkColorTransferFunction.h>
#include <vtkPiecewiseFunction.h>
#include <vtkSmartPointer.h>
#include <vtkVolumeProperty.h>

#include <algorithm>
#include <cmath>

namespace atelier::render {

TransferPreset parse_transfer_preset(const std::string& name) {
  if (name == "cryoem" || name == "cryo-em") return TransferPreset::cryo_em;
  if (name == "ct" || name == "mri") return TransferPreset::ct_mri;
  if (name == "em") return TransferPreset::em;
  throw Error("unknown transfer preset '" + name + "' (choose cryoem, ct, mri or em)");
}

std::vector<TransferPoint> transfer_preset(TransferPreset preset, const VolumeStats& s) {
  const double sd = s.stddev > 0 ? s.stddev : std::max(1e-6, (s.max - s.min) / 6);
  const double range = std::max(s.max - s.min, 1e-6);
  auto clamp = [&](double v) { return std::clamp(v, s.min, s.max); };
  std::vector<TransferPoint> p;
  switch (preset) {
  case TransferPreset::cryo_em:
    p = {{clamp(s.mean + 0.5 * sd), 0.25, 0.45, 0.85, 0.0},
         {clamp(s.mean + 1.0 * sd), 0.45, 0.65, 0.95, 0.08},
         {clamp(s.mean + 2.5 * sd), 0.95, 0.85, 0.60, 0.45},
         {clamp(s.mean + 4.0 * sd), 1.00, 0.97, 0.90, 0.85}};
    break;
  case TransferPreset::ct_mri:
    p = {{s.min + 0.10 * range, 0.20, 0.20, 0.20, 0.0},
         {s.min + 0.40 * range, 0.75, 0.55, 0.45, 0.15},
         {s.min + 0.75 * range, 0.95, 0.90, 0.85, 0.50},
         {s.max, 1.0, 1.0, 1.0, 0.85}};
    break;
  case TransferPreset::em:
    p = {{s.min, 0.35, 0.20, 0.10, 0.85},
         {clamp(s.mean - 1.5 * sd), 0.55, 0.35, 0.20, 0.40},
         {clamp(s.mean - 0.5 * sd), 0.85, 0.75, 0.60, 0.0}};
    break;
  }
  std::stable_sort(p.begin(), p.end(), [](const TransferPoint& a, const TransferPoint& b) {
    return a.value < b.value;
  });
  return p;
}

void apply_transfer(const std::vector<TransferPoint>& points, vtkVolumeProperty* property) {
  auto colour = vtkSmartPointer<vtkColorTransferFunction>::New();
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  for (const TransferPoint& p : points) {
    colour->AddRGBPoint(p.value, p.r, p.g, p.b);
    opacity->AddPoint(p.value, p.opacity);
  }
  property->SetColor(colour);
  property->SetScalarOpacity(opacity);
}

std::array<double, 3> label_colour(std::int64_t label) {
  // Golden-angle hues with alternating lightness: neighbours stay distinct.
  const double hue = std::fmod(static_cast<double>(label) * 0.61803398875, 1.0);
  const double v = (label % 2) ? 0.95 : 0.80, sat = 0.70;
  const double h6 = hue * 6.0;
  const int sector = static_cast<int>(h6) % 6;
  const double f = h6 - std::floor(h6);
  const double p = v * (1 - sat), q = v * (1 - sat * f), t = v * (1 - sat * (1 - f));
  switch (sector) {
  case 0: return {v, t, p};
  case 1: return {q, v, p};
  case 2: return {p, v, t};
  case 3: return {p, q, v};
  case 4: return {t, p, v};
  default: return {v, p, q};
  }
}

} // namespace atelier::render
