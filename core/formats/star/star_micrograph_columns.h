// The RELION / cryoSPARC micrograph columns Atelier keeps as item metrics:
// read from STAR files found next to the data on import, written back on
// STAR export. One table, so the two directions cannot drift apart.
#pragma once

#include <array>
#include <string_view>

namespace atelier {

struct StarMetricColumn {
  std::string_view label;  // without the leading underscore
  std::string_view metric; // the item metric's name
};

// cryoSPARC's STAR exports (csparc2star) use the same rln labels.
inline constexpr std::array<StarMetricColumn, 9> kStarMetricColumns{{
    {"rlnDefocusU", "ctf_defocus_u_A"},
    {"rlnDefocusV", "ctf_defocus_v_A"},
    {"rlnDefocusAngle", "ctf_defocus_angle_deg"},
    {"rlnCtfAstigmatism", "ctf_astigmatism_A"},
    {"rlnCtfMaxResolution", "ctf_max_resolution_A"},
    {"rlnCtfFigureOfMerit", "ctf_figure_of_merit"},
    {"rlnAccumMotionTotal", "motion_total_A"},
    {"rlnAccumMotionEarly", "motion_early_A"},
    {"rlnAccumMotionLate", "motion_late_A"},
}};

} // namespace atelier
