// The app's light and dark themes (Fusion style with a matching palette);
// the choice persists in QSettings ("theme").
#pragma once

#include <QString>

namespace atelier {

// "light" or "dark"; anything else is light.
void apply_theme(const QString& name);
QString saved_theme();
void save_theme(const QString& name);

} // namespace atelier
