// Fuzz target for the STAR reader. Whatever parses must also survive the
// RELION helpers and round-trip through the writer unchanged; a mismatch
// aborts, since it would corrupt files users save.
#include "core/base/error.h"
#include "core/formats/star/star_reader.h"
#include "core/formats/star/star_writer.h"
#include "core/io/byte_source.h"

#include <cstdint>
#include <cstdlib>

using namespace atelier;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  StarFile star;
  try {
    star = read_star(MemorySource("fuzz.star", data, size));
  } catch (const Error&) {
    return 0;
  }
  try {
    if (const StarTable* main = star.find_main_table()) {
      for (std::size_t r = 0; r < main->rows() && r < 4; ++r) {
        (void)star.optics_for_row(r);
        (void)star.pixel_size_A(r);
        if (main->has_column("rlnImageName")) (void)main->get_image_ref(r, "rlnImageName");
        for (std::size_t c = 0; c < main->columns(); ++c) {
          try {
            (void)main->get_double(r, c);
          } catch (const FormatError&) {
          }
          try {
            (void)main->get_int(r, c);
          } catch (const FormatError&) {
          }
        }
      }
    }
    (void)star.star_style();
  } catch (const Error&) {
  }
  // Everything the reader accepts is writable, and reads back identical.
  const std::string text = format_star(star);
  const StarFile again = read_star(
      MemorySource("again.star", reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (!(again == star)) std::abort();
  if (format_star(again) != text) std::abort();
  return 0;
}
