// atelier: the desktop application.
#include "app/gui/MainWindow.h"

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

  atelier::MainWindow window;
  window.show();
  window.openFiles(parser.positionalArguments());
  return QApplication::exec();
}
