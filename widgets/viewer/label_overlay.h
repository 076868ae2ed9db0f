// A label image as a colour layer for ImageViewer::setOverlay: each non-zero
// label in its palette colour, label 0 transparent.
#pragma once

#include "core/data/image.h"

#include <QImage>
#include <QString>

#include <cstdint>
#include <vector>

namespace atelier {

// Integer single-band images only (Error otherwise). The distinct non-zero
// labels go to *values (ascending) when given.
QImage label_overlay(const Image& labels, std::vector<std::int64_t>* values = nullptr);

// A legend for the viewer: up to max_shown labels as coloured squares (HTML).
QString label_legend_html(const std::vector<std::int64_t>& values, std::size_t max_shown = 16);

} // namespace atelier
