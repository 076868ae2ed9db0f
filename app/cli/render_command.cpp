// `atelier-cli render FILE --out PNG`: a volume or point cloud drawn without
// a window (reports, thumbnails of 3D items, tests). Needs an X display;
// headless machines run it under Xvfb.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "core/base/error.h"
#include "core/spatial/volume_load.h"
#include "widgets/render/render_file.h"
#include "widgets/render/transfer_function.h"

#include <algorithm>
#include <cctype>
#include <iostream>

namespace atelier::cli {

int run_render(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli render FILE --out PNG [--mode iso|volume|slices|points]\n"
      "                 [--size 800x600] [--level SIGMA | --level-value V] [--volume N]\n"
      "                 [--labels FILE] [--preset cryoem|ct|mri|em] [--view oblique|x|y|z]\n"
      "                 [--colour rgb|intensity|elevation|label[:FIELD]|field:NAME]\n"
      "                 [--point-size PX] [--eye-dome on|off] [--downsample]\n"
      "  Volumes (MRC, NIfTI, TIFF stacks) default to an isosurface 1 sigma above the\n"
      "  mean; point clouds (PLY, PCD, XYZ, LAS) to points coloured by RGB, intensity or\n"
      "  elevation. Needs an X display: without one run `xvfb-run -a atelier-cli render`.\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << usage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  render::RenderRequest request;
  std::string file, out;
  try {
    const CliOptions o(args,
                       {"out", "mode", "size", "level", "level-value", "volume", "labels", "preset",
                        "view", "colour", "color", "point-size", "eye-dome"},
                       {"downsample"});
    if (o.positional().size() != 1) throw Error("give one file to render");
    file = o.positional()[0];
    out = o.required("out");
    // The file is PNG whatever its name: a name that says otherwise misleads.
    if (out.size() < 4 || !std::equal(out.end() - 4, out.end(), ".png", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      throw Error("--out " + out + ": the picture is a PNG; give a name ending in .png");
    request.mode = o.text("mode", "");
    if (!request.mode.empty() && request.mode != "iso" && request.mode != "volume" &&
        request.mode != "slices" && request.mode != "points")
      throw Error("--mode is iso, volume, slices or points, not '" + request.mode + "'");
    render::parse_size(o.text("size", "800x600"), request.width, request.height);
    if (o.has("level")) request.level_sigma = o.number("level", 1.0, -1e3, 1e3);
    if (o.has("level-value")) request.level = o.number("level-value", 0.0, -1e300, 1e300);
    request.volume_index = o.integer("volume", 0, 0, 1 << 30);
    request.labels = o.text("labels", "");
    request.preset = o.text("preset", "cryoem");
    render::parse_transfer_preset(request.preset);
    const std::string view = o.text("view", "oblique");
    if (view == "oblique")
      request.view = render::ViewDirection::oblique;
    else if (view == "x")
      request.view = render::ViewDirection::x;
    else if (view == "y")
      request.view = render::ViewDirection::y;
    else if (view == "z")
      request.view = render::ViewDirection::z;
    else
      throw Error("--view is oblique, x, y or z, not '" + view + "'");
    request.colour = o.text("colour", o.text("color", ""));
    if (o.has("point-size")) request.point_size = o.number("point-size", 2.0, 1.0, 64.0);
    if (o.has("eye-dome")) {
      const std::string edl = o.text("eye-dome", "on");
      if (edl != "on" && edl != "off") throw Error("--eye-dome is on or off");
      request.eye_dome = edl == "on";
    }
    request.downsample_to_fit = o.flag("downsample");
  } catch (const Error& e) {
    std::cerr << "atelier-cli render: " << e.message() << "\n" << usage;
    return kExitUsage;
  }
  try {
    const render::RenderResult result = render::render_file(file, request);
    render::write_png(result.image, out);
    std::cout << result.summary << "\n" << out << "\n";
    return kExitOk;
  } catch (const FormatError& e) {
    std::cerr << "atelier-cli render: " << e.what() << "\n";
    return kExitFileError;
  } catch (const UnsupportedError& e) {
    std::cerr << "atelier-cli render: " << e.message() << "\n";
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << "atelier-cli render: " << e.message() << "\n";
    return kExitFileError;
  }
}

} // namespace atelier::cli
