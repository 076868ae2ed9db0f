// atelier: the desktop application. `atelier --demo` opens (making it on the
// first start) a demo project; without a display it runs the demo headless.
#include "app/gui/DemoLauncher.h"
#include "app/gui/MainWindow.h"
#include "app/gui/app_log.h"
#include "app/gui/headless_demo.h"
#include "app/gui/theme.h"
#include "plugins/builtin_plugins.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QStatusBar>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace {

void describe(QCoreApplication& app) {
  QCoreApplication::setOrganizationName("Atelier");
  QCoreApplication::setApplicationName("Atelier");
  QCoreApplication::setApplicationVersion(ATELIER_VERSION);
  (void)app;
}

struct Options {
  bool demo = false;
  QString samples;
  QStringList files;
};

Options parse(QCoreApplication& app) {
  QCommandLineParser parser;
  parser.setApplicationDescription("Curate scientific image data and train models on it.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addOption({"demo", "Open the demo project, making it on the first start (simulated "
                            "cryo-EM sessions and the sample files)."});
  parser.addOption({"samples",
                    "Sample files for the demo (default: $ATELIER_SAMPLE_DATA, or "
                    "shared/data beside the source tree).",
                    "dir"});
  parser.addPositionalArgument("files", "Files to open.", "[files...]");
  parser.process(app);
  return {parser.isSet("demo"), parser.value("samples"), parser.positionalArguments()};
}

bool has_display() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
    if (const char* v = std::getenv(name); v && *v) return true;
  return false;
}

bool wants_demo(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--demo") == 0) return true;
  return false;
}

// The sample files: --samples, $ATELIER_SAMPLE_DATA, or shared/data next to
// a folder above the executable (a build inside the source checkout).
QString sample_dir(const QString& given) {
  if (!given.isEmpty()) return given;
  if (const char* env = std::getenv("ATELIER_SAMPLE_DATA"); env && *env) return env;
  QDir dir(QCoreApplication::applicationDirPath());
  for (int up = 0; up < 6 && dir.cdUp(); ++up)
    for (const QString& candidate : {dir.filePath("../shared/data"), dir.filePath("shared/data")})
      if (QFileInfo::exists(candidate + "/manifest.json")) return QDir::cleanPath(candidate);
  return {};
}

// $ATELIER_DEMO_DIR, or "demo" in the user's data folder.
atelier::import::DemoPlan demo_plan(const Options& options) {
  QString root = qEnvironmentVariable("ATELIER_DEMO_DIR");
  if (root.isEmpty())
    root = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/demo";
  return atelier::import::demo_plan(root.toStdString(), sample_dir(options.samples).toStdString());
}

} // namespace

int main(int argc, char** argv) {
  // Domain metrics (remote sensing, radiography) for imports started here.
  atelier::plugins::register_builtin_plugins(atelier::metrics::default_metric_registry());

  if (wants_demo(argc, argv) && !has_display()) {
    QCoreApplication app(argc, argv);
    describe(app);
    const Options options = parse(app);
    std::cerr << "atelier: no display (DISPLAY is not set; the app runs under X11, Wayland or "
                 "xvfb-run): running the headless demo\n";
    return atelier::run_headless_demo(demo_plan(options), std::cout, std::cerr);
  }

  QApplication app(argc, argv);
  // QApplication adopts the desktop's C locale; numbers the core writes
  // with printf (JSON, STAR, metadata) must keep '.' as the decimal point.
  std::setlocale(LC_NUMERIC, "C");
  describe(app);
  const Options options = parse(app);
  atelier::install_app_log();
  atelier::apply_theme(atelier::saved_theme());
  atelier::MainWindow window;
  window.show();
  window.openFiles(options.files);
  if (options.demo) {
    auto* demo = new atelier::DemoLauncher(window, demo_plan(options));
    QObject::connect(
        demo, &atelier::DemoLauncher::finished, &window,
        [&window](bool, const QString& message) { window.statusBar()->showMessage(message); });
    demo->start();
  }
  return QApplication::exec();
}
