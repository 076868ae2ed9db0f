// A label image as a colour layer for ImageViewer::setOverlay: each non-zero
// label in its palette colour, label 0 transparent.
#pragma once

#include "core/data/image.h"

#include <QImage>

namespace atelier {

// Integer single-band images only (Error otherwise).
QImage label_overlay(const Image& labels);

} // namespace atelier
