// atelier: the desktop application.
#include "app/gui/MainWindow.h"
#include "plugins/builtin_plugins.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Atelier");
  QApplication::setApplicationName("Atelier");
  QApplication::setApplicationVersion(ATELIER_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Curate scientific image data and train models on it.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("files", "Files to open.", "[files...]");
  parser.process(app);

  // Domain metrics (remote sensing, radiography) for imports started here.
  atelier::plugins::register_builtin_plugins(atelier::metrics::default_metric_registry());

  atelier::MainWindow window;
  window.show();
  window.openFiles(parser.positionalArguments());
  return QApplication::exec();
}
