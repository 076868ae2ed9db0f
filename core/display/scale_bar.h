// Scale-bar lengths: 1, 2 or 5 times a power of ten, as the viewers' and
// plots' scale bars label them.
#pragma once

namespace atelier::display {

// The smallest such length >= target (0 for a target that is not positive).
double nice_length_at_least(double target);
// The largest such length <= limit (0 for a limit that is not positive).
double nice_length_at_most(double limit);

} // namespace atelier::display
