// `atelier-cli thumbnails PROJECT`: 3D-rendered grid thumbnails for the
// project's volumes (an isosurface 1 sigma above the mean, seen obliquely)
// and point clouds (points with eye-dome lighting or their colours), in
// place of the middle slice or the top-down view import makes. They go to
// the thumbnail cache as <fingerprint>-3d.jpg, which the grid prefers when
// present; the project database is only read, so this runs beside an app
// holding the project. Needs an X display, like `render`.
#include "app/cli/commands.h"
#include "app/cli/item_query_options.h"
#include "core/base/error.h"
#include "core/metrics/thumbnail.h"
#include "core/project/filter_expr.h"
#include "core/project/project.h"
#include "core/run/progress_bar.h"
#include "widgets/render/render_file.h"

#include <filesystem>
#include <iostream>

namespace atelier::cli {
namespace {

Image to_image(const render::RgbImage& rgb) {
  Image out(rgb.width, rgb.height, 3, DType::u8, Image::uninitialized);
  std::copy(rgb.rgb.begin(), rgb.rgb.end(), out.bytes());
  return out;
}

} // namespace

int run_thumbnails(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli thumbnails PROJECT [--where EXPR] [--size 256] [--force] [--quiet]\n"
      "  Renders the project's volumes and point clouds (kind = volume or points) in 3D\n"
      "  for the grid: volumes as an isosurface 1 sigma above the mean, clouds as points,\n"
      "  oblique view, SIZE pixels square, stored in the project's thumbnail cache.\n"
      "  Items that have one are skipped unless --force.\n"
      "  Reads the project only. Needs an X display: without one run\n"
      "  `xvfb-run -a atelier-cli thumbnails PROJECT`.\n";
  int size = 256;
  std::string filter;
  bool force = false, quiet = false;
  std::string project_dir;
  try {
    const CliOptions o = parse_options(args, {"where", "size"}, {"force", "quiet", "help"});
    if (o.flag("help")) {
      std::cout << usage;
      return kExitOk;
    }
    if (o.positional().size() != 1) throw UsageError("give one project");
    project_dir = o.positional()[0];
    size = static_cast<int>(o.integer("size", size, 32, 1024));
    const ItemQuery q = item_query(o);
    filter = project::filter_and(q.filter, render::kRenderedThumbnailItems);
    force = o.flag("force");
    quiet = o.flag("quiet");
  } catch (const Error& e) {
    std::cerr << "error: thumbnails: " << e.what() << '\n' << usage;
    return kExitUsage;
  }

  try {
    project::ProjectOptions options;
    options.read_only = true;
    const project::Project p = project::Project::open(project_dir, options);
    const project::ItemPaths paths(p);
    metrics::ThumbnailCache cache(p.cache_dir());
    std::vector<project::ItemRow> todo;
    constexpr std::int64_t kPage = 2000;
    for (std::int64_t at = 0;; at += kPage) {
      const auto rows = p.query_items(filter, {}, kPage, at);
      for (const auto& r : rows)
        if (!r.fingerprint.empty() &&
            (force || !cache.contains(render::rendered_thumbnail_key(r.fingerprint))))
          todo.push_back(r);
      if (static_cast<std::int64_t>(rows.size()) < kPage) break;
    }

    render::RenderRequest request;
    request.mode = ""; // iso for volumes, points for clouds
    request.width = request.height = size;
    request.downsample_to_fit = true; // a thumbnail never needs every voxel
    run::ProgressPrinter bar(static_cast<std::int64_t>(todo.size()));
    std::size_t made = 0, failed = 0;
    for (std::size_t i = 0; i < todo.size(); ++i) {
      const std::string path = paths.absolute(todo[i]);
      try {
        const render::RenderResult result = render::render_file(path, request);
        cache.put(render::rendered_thumbnail_key(todo[i].fingerprint), to_image(result.image));
        ++made;
      } catch (const UnsupportedError&) {
        throw; // no display: every other volume would fail the same way
      } catch (const std::exception& e) {
        ++failed;
        std::cerr << path << ": " << e.what() << '\n';
      }
      if (!quiet) bar.update(static_cast<std::int64_t>(i + 1), "items");
    }
    if (!quiet) {
      bar.finish();
      std::cout << made << " rendered, " << failed << " failed, "
                << p.count_items(filter) - static_cast<std::int64_t>(todo.size())
                << " already had one\n";
    }
    return failed ? kExitFileError : kExitOk;
  } catch (const UnsupportedError& e) {
    std::cerr << "error: thumbnails: " << e.message() << '\n';
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: thumbnails: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli
