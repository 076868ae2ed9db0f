// MainWindow's movie processing: drift-corrected sums and odd/even half sums
// of a project's movies (core/movies/movie_align.h) written to the project's
// derived/aligned/dataset-N/ folders (the movies' subfolders below them)
// in the background, then imported, so the halves
// can be curated and trained on like any other items.
#include "app/gui/MainWindow.h"

#include "app/gui/BackgroundTask.h"

#include "core/import/importer.h"
#include "core/movies/movie_align.h"
#include "core/project/project.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/jobs/JobsPanel.h"

#include <QApplication>
#include <QFileInfo>
#include <QPointer>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include <filesystem>
#include <optional>
#include <set>

namespace atelier {

bool MainWindow::alignMovies(const std::vector<qint64>& ids, const movies::DoseSchedule& dose) {
  ProjectTab* tab = currentProject();
  if (!tab || aligning_ || refuseReadOnly(*tab)) return false;
  struct Movie {
    qint64 id = 0;
    std::string path;
    double pixel_size_A = 0.0;
    std::string out; // its folder under derived/aligned/
  };
  std::vector<Movie> movies;
  int same_name = 0; // movies whose outputs would overwrite another's
  const std::filesystem::path aligned_root = tab->project->derived_dir() / "aligned";
  try {
    const project::ItemPaths paths(*tab->project);
    std::set<std::string> outputs; // out folder / stem
    for (const qint64 id : ids) {
      const auto row = tab->project->item(id);
      if (!row || row->kind != "movie" || !row->import_ok) continue;
      // Outputs are named after the movie's stem: one folder per dataset
      // and subfolder keeps movies of the same name apart; two of one name
      // in one folder (a.mrc, a.tif) would still collide: the second is
      // left out, as the command line refuses it.
      Movie m{id, paths.absolute(*row), row->pixel_size_A,
              (aligned_root / ("dataset-" + std::to_string(row->dataset_id)) /
               std::filesystem::path(row->rel_path).parent_path())
                  .lexically_normal()
                  .string()};
      if (outputs.insert(m.out + "/" + movies::movie_stem(m.path)).second)
        movies.push_back(std::move(m));
      else
        ++same_name;
    }
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Cannot align: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  if (movies.empty()) {
    statusBar()->showMessage(tr("No readable movies among the items to align."));
    return false;
  }
  aligning_ = true;
  const QString project_dir = tab->dir;
  const std::string out = aligned_root.string();
  // Progress in percent of each movie (both passes over its frames).
  constexpr int kSteps = 100;
  const BackgroundTask task(this, *jobs_, tr("Aligning %1 movies…").arg(movies.size()),
                            tr("Align %1 movies into sums and halves").arg(movies.size()),
                            int(movies.size()) * kSteps);
  QPointer<MainWindow> self(this);
  (void)QtConcurrent::run([self, task, movies, out, project_dir, dose, same_name] {
    int done = 0, errors = same_name;
    bool cancelled = false;
    QString first_error =
        same_name
            ? QObject::tr("%1 movies share a name with another in their folder").arg(same_name)
            : QString();
    std::optional<project::Project> project; // this thread's connection
    for (std::size_t i = 0; i < movies.size(); ++i) {
      if (task.cancelled()) {
        cancelled = true;
        break;
      }
      try {
        const Movie& m = movies[i];
        if (!movies::aligned_outputs_exist(m.out, m.path, dose)) {
          movies::AlignOptions options;
          options.pixel_size_A = m.pixel_size_A;
          options.dose = dose;
          // Frame progress, one update per percent of the movie.
          int shown = 0;
          const auto frames_done = [&](int frame, int total) {
            const int step = std::min(kSteps - 1, frame * kSteps / std::max(total, 1));
            if (step == shown) return;
            shown = step;
            task.progress(int(i) * kSteps + step);
          };
          const movies::AlignedMovie a =
              movies::align_movie(m.path, options, frames_done, task.cancel_flag());
          movies::write_aligned(m.out, m.path, a);
        }
        // The movie's aligned sum, for comparing it with the plain sum.
        if (!project) project.emplace(project::Project::open(project_dir.toStdString()));
        const std::string sum = movies::aligned_paths(m.out, m.path).sum;
        project->add_derived(m.id, "aligned",
                             std::filesystem::relative(sum, project->dir()).generic_string(),
                             "movies align");
        ++done;
      } catch (const movies::AlignCancelled&) {
        cancelled = true;
        break;
      } catch (const std::exception& e) {
        ++errors;
        if (first_error.isEmpty()) first_error = QString::fromStdString(e.what());
      }
      task.progress(int(i + 1) * kSteps, qint64(i + 1), qint64(movies.size()));
    }
    QString summary = QObject::tr("Aligned %1 movies into derived/aligned").arg(done);
    if (errors) summary += QObject::tr("; %1 failed: %2").arg(errors).arg(first_error);
    if (cancelled) summary += QObject::tr(" (cancelled)");
    QMetaObject::invokeMethod(
        qApp,
        [self, task, summary, done, errors, cancelled, out, project_dir] {
          task.finish(summary, errors == 0);
          if (!self) return;
          self->aligning_ = false;
          self->statusBar()->showMessage(summary);
          // The outputs become items (a dataset named "aligned"); an import
          // already running leaves them for the user to import.
          if (done > 0 && !self->importIntoProject(project_dir, {QString::fromStdString(out)},
                                                   import::ImportOptions{}))
            self->jobs_->log(QObject::tr("Import %1 to curate the aligned sums and halves.")
                                 .arg(QString::fromStdString(out)));
          emit self->alignFinished(done, errors, cancelled);
        },
        Qt::QueuedConnection);
  });
  return true;
}

} // namespace atelier
