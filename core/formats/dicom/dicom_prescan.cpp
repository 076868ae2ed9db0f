// The structural walk GDCM's input must pass: every element header of the
// meta group and the dataset, with lengths checked against the bytes of the
// enclosing item, sequence or file. A few of GDCM's repairs for known broken
// writers change where an element ends; they are mirrored here so that both
// walks see the same elements.
#include "core/formats/dicom/dicom_prescan.h"

#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/io/byte_source.h"

#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmVR.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace atelier {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
constexpr std::uint16_t kDelimiterGroup = 0xFFFE;
constexpr std::uint16_t kItem = 0xE000;
constexpr std::uint16_t kItemEnd = 0xE00D;
constexpr std::uint16_t kSequenceEnd = 0xE0DD;
constexpr std::uint64_t kMetaValueLimit = 1024; // a transfer syntax UID is at most 64 bytes

struct Tag {
  std::uint16_t group = 0, element = 0;
  bool operator==(const Tag&) const = default;
};
constexpr Tag kPixelData{0x7FE0, 0x0010};

std::string text(Tag t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04x,%04x)", t.group, t.element);
  return buf;
}

struct Encoding {
  bool explicit_vr = true;
  Endian order = Endian::little;
};

constexpr std::string_view kValidVrs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL",
                                          "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
                                          "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC",
                                          "UI", "UL", "UN", "UR", "US", "UT", "UV"};
// VRs whose explicit header has two reserved bytes and a 32-bit length.
constexpr std::string_view kLongVrs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                         "SV", "UC", "UN", "UR", "UT", "UV"};

bool contains(const auto& list, const auto& value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

enum class Container { top, defined_item, undefined_item };

class Walker {
public:
  explicit Walker(const ByteSource& src) : src_(src), size_(src.size()) {}

  DicomLayout run() {
    std::uint64_t pos = 0;
    if (size_ >= 132 && std::memcmp(peek(128, 4), "DICM", 4) == 0)
      pos = 132;
    else if (size_ < 8)
      fail("not a readable DICOM image (too short)");
    bool have_meta = false;
    std::string uid;
    pos = meta_group(pos, &have_meta, &uid);
    // GDCM asserts when the file ends with its meta group.
    if (pos == size_) fail("no dataset after the file meta information");
    Encoding enc;
    if (have_meta && !uid.empty())
      enc = encoding_for(uid);
    else
      enc = guess_encoding(pos);
    dataset(pos, size_, Container::top, enc, 0, Tag{});
    // GDCM asserts on pixel data without BitsAllocated (its dataset is
    // sorted, so the order of the two elements does not matter).
    if (saw_pixel_data_ && bits_allocated_ == 0)
      fail("BitsAllocated (0028,0100) is missing or zero");
    return DicomLayout{native_, saw_pixel_data_};
  }

private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw FormatError(src_.name(), reason);
  }

  // n (at most 16) bytes at off, which the caller has checked lie in the file.
  // Headers are read through a window so that small elements cost no read each.
  const std::uint8_t* peek(std::uint64_t off, std::size_t n) {
    if (off < window_start_ || off + n > window_start_ + window_.size()) {
      window_start_ = off;
      window_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kWindow, size_ - off)));
      src_.read_at(off, window_.data(), window_.size());
    }
    return window_.data() + (off - window_start_);
  }
  std::uint16_t u16(std::uint64_t off, Endian order) {
    return load_as<std::uint16_t>(peek(off, 2), order);
  }
  std::uint32_t u32(std::uint64_t off, Endian order) {
    return load_as<std::uint32_t>(peek(off, 4), order);
  }
  Tag tag_at(std::uint64_t off, Endian order) { return {u16(off, order), u16(off + 2, order)}; }

  // The meta group (explicit VR little endian, group 0002). Returns where the
  // dataset starts; *uid receives (0002,0010) without its padding.
  std::uint64_t meta_group(std::uint64_t pos, bool* have_meta, std::string* uid) {
    while (pos + 8 <= size_) {
      if (u16(pos, Endian::little) != 0x0002) break;
      *have_meta = true;
      const std::string_view vr{reinterpret_cast<const char*>(peek(pos + 4, 2)), 2};
      if (!contains(kValidVrs, vr)) fail("corrupt file meta information (no explicit VR)");
      std::uint64_t header = 8, length = u16(pos + 6, Endian::little);
      if (contains(kLongVrs, vr)) {
        if (pos + 12 > size_) fail("truncated file meta information");
        header = 12;
        length = u32(pos + 8, Endian::little);
        if (length == kUndefinedLength) fail("undefined length in the file meta information");
      }
      if (pos + header + length > size_) fail("truncated file meta information");
      if (u16(pos + 2, Endian::little) == 0x0010 && length <= kMetaValueLimit) {
        std::string value(static_cast<std::size_t>(length), '\0');
        src_.read_at(pos + header, value.data(), value.size());
        while (!value.empty() && (value.back() == '\0' || value.back() == ' '))
          value.pop_back();
        *uid = value;
      }
      pos += header + length;
    }
    if (pos < size_ && pos + 8 > size_ && *have_meta) fail("truncated file meta information");
    return pos;
  }

  Encoding encoding_for(const std::string& uid) {
    if (uid == "1.2.840.10008.1.2.1.99")
      fail("deflated transfer syntax is not supported (its element lengths cannot be checked "
           "before inflating)");
    // The GE private syntax keeps an implicit little endian dataset.
    if (uid == "1.2.840.10008.1.2" || uid == "1.2.840.113619.5.2") return {false, Endian::little};
    if (uid == "1.2.840.10008.1.2.2") return {true, Endian::big};
    if (uid == "1.2.840.10008.1.2.1") return {true, Endian::little};
    native_ = false;
    // Every other syntax GDCM knows (the compressed ones) is explicit little
    // endian; an unknown UID is refused by GDCM after this walk.
    return {true, Endian::little};
  }

  // Without a meta group GDCM guesses the encoding from the first element;
  // this follows the same rules.
  Encoding guess_encoding(std::uint64_t pos) {
    if (pos + 8 > size_) fail("not a readable DICOM image (too short)");
    const auto* p = peek(pos, 8);
    const std::string_view vr{reinterpret_cast<const char*>(p + 4), 2};
    const bool explicit_vr = contains(kValidVrs, vr);
    const Tag t = tag_at(pos, Endian::little);
    if (t.group == 0x0008) return {explicit_vr, Endian::little};
    if (t.group == 0x0800) {
      if (!explicit_vr) fail("implicit VR big endian (ACR-NEMA) is not supported");
      return {true, Endian::big};
    }
    if (t.element == 0x0010) return {false, Endian::little};
    if (explicit_vr)
      return {true, (t.group > 0xFF || t.element > 0xFF) ? Endian::big : Endian::little};
    fail("not a readable DICOM image (no meta group and no recognisable first element)");
  }

  void check_depth(int depth, Tag owner) const {
    if (depth > kDicomMaxNesting)
      fail("sequences nested deeper than " + std::to_string(kDicomMaxNesting) +
           " levels at element " + text(owner));
  }

  // Data elements in [pos, end). A top-level or defined-length item's
  // elements fill the range exactly; an undefined-length item ends at its
  // delimiter. Returns the offset after the last byte consumed.
  std::uint64_t dataset(std::uint64_t pos, std::uint64_t end, Container kind, Encoding enc,
                        int depth, Tag owner) {
    while (true) {
      if (pos == end) {
        if (kind == Container::undefined_item)
          fail("item in sequence " + text(owner) + " has no item delimiter");
        return pos;
      }
      const std::uint64_t left = end - pos;
      if (left < 8) fail("truncated element header at offset " + std::to_string(pos));
      const Tag tag = tag_at(pos, enc.order);
      if (tag.group == kDelimiterGroup &&
          (tag.element == kItem || tag.element == kItemEnd || tag.element == kSequenceEnd)) {
        if (tag.element == kItemEnd && kind == Container::undefined_item) return pos + 8;
        fail("unexpected " + text(tag) + " at offset " + std::to_string(pos));
      }
      count_element();
      std::string_view vr;
      std::uint64_t header = 8;
      std::uint32_t length = 0;
      if (enc.explicit_vr) {
        vr = {reinterpret_cast<const char*>(peek(pos + 4, 2)), 2};
        if (!contains(kValidVrs, vr)) fail("element " + text(tag) + " has an invalid VR");
        if (contains(kLongVrs, vr)) {
          if (left < 12) fail("truncated element header at offset " + std::to_string(pos));
          header = 12;
          length = u32(pos + 8, enc.order);
        } else {
          length = u16(pos + 6, enc.order);
          if (length == 6 && vr == "UL" && tag.group == 0x0009) length = 4; // as GDCM reads it
        }
        if (tag == Tag{0x00FF, 0x4AA5})
          fail("element " + text(tag) + " (a broken writer's pixel data) is not supported");
        check_vr_against_dictionary(tag, vr);
      } else {
        length = u32(pos + 4, enc.order);
      }
      const std::uint64_t value = pos + header;
      const std::uint64_t room = end - value;

      if (length == kUndefinedLength) {
        if (depth == 0 && tag == kPixelData) check_pixel_data_form(true);
        check_depth(depth + 1, tag);
        if (tag == kPixelData) {
          if (enc.explicit_vr && vr != "OB" && vr != "OW" && vr != "UN")
            fail("encapsulated pixel data " + text(tag) + " has VR " + std::string(vr));
          pos = fragments(value, end, enc.order, tag);
        } else if (!enc.explicit_vr || vr == "SQ") {
          pos = sequence(value, end, true, enc, depth + 1, tag);
        } else if (vr == "UN") {
          // An undefined-length UN is a sequence in implicit VR (CP-246).
          pos = sequence(value, end, true, {false, enc.order}, depth + 1, tag);
        } else {
          fail("element " + text(tag) + " has undefined length but is not a sequence");
        }
        continue;
      }

      if (length > room)
        fail("element " + text(tag) + " declares " + std::to_string(length) + " bytes but only " +
             std::to_string(room) + " remain");
      if (enc.explicit_vr && vr == "SQ") {
        if (tag == kPixelData) fail("pixel data " + text(tag) + " is declared a sequence");
        check_depth(depth + 1, tag);
        sequence(value, value + length, false, enc, depth + 1, tag);
      } else if ((!enc.explicit_vr || vr == "UN") && length >= 8 &&
                 tag_at(value, enc.order) == Tag{kDelimiterGroup, kItem}) {
        // GDCM decodes such a value as an implicit VR sequence when asked
        // for its items, so its items must hold together as well.
        check_depth(depth + 1, tag);
        sequence(value, value + length, false, {false, enc.order}, depth + 1, tag);
      }
      if (depth == 0) {
        check_image_attribute(tag, vr, value, length, enc);
        if (tag == kPixelData && length != 0) check_pixel_data_form(false);
      }
      std::uint64_t consumed = length;
      if (!enc.explicit_vr) {
        // GDCM's repairs of two known broken writers (GE, Papyrus).
        if (length == 13 && tag != Tag{0x0008, 0x0070} && tag != Tag{0x0008, 0x0080}) consumed = 10;
        if (length == 0x31F031C && tag == Tag{0x031E, 0x0324}) consumed = 202;
      }
      pos = value + consumed;
    }
  }

  // gdcm::Attribute asserts that an explicit VR is compatible with the
  // dictionary's wherever GDCM reads a standard attribute (spacing, frame
  // pointers, LUTs, ... in any module), so a public element whose VR
  // contradicts the DICOM dictionary is refused here, in any nesting.
  void check_vr_against_dictionary(Tag tag, std::string_view vr) {
    if (tag.group % 2 != 0 || tag.group <= 0x0002 || vr == "UN") return;
    const gdcm::Dicts& dicts = gdcm::Global::GetInstance().GetDicts();
    const gdcm::VR expected = dicts.GetDictEntry(gdcm::Tag(tag.group, tag.element)).GetVR();
    if (expected == gdcm::VR::INVALID) return;
    const std::string code(vr);
    const gdcm::VR found(gdcm::VR::GetVRType(code.c_str()));
    if (!expected.Compatible(found))
      fail("element " + text(tag) + " has VR " + code + " instead of " +
           gdcm::VR::GetVRString(expected));
  }

  // GDCM reads image attributes through gdcm::Attribute, which asserts that
  // an explicit VR matches the dictionary's; it also asserts on a
  // SamplesPerPixel other than 1, 3 or 4 and on a missing BitsAllocated.
  // Those aborts are refused here.
  void check_image_attribute(Tag tag, std::string_view vr, std::uint64_t value,
                             std::uint32_t length, Encoding enc) {
    struct Expected {
      Tag tag;
      std::string_view vr;
    };
    static constexpr Expected kExpected[] = {
        {{0x0018, 0x0088}, "DS"}, {{0x0018, 0x1164}, "DS"}, {{0x0020, 0x0032}, "DS"},
        {{0x0020, 0x0037}, "DS"}, {{0x0028, 0x0002}, "US"}, {{0x0028, 0x0004}, "CS"},
        {{0x0028, 0x0006}, "US"}, {{0x0028, 0x0008}, "IS"}, {{0x0028, 0x0010}, "US"},
        {{0x0028, 0x0011}, "US"}, {{0x0028, 0x0030}, "DS"}, {{0x0028, 0x0034}, "IS"},
        {{0x0028, 0x0100}, "US"}, {{0x0028, 0x0101}, "US"}, {{0x0028, 0x0102}, "US"},
        {{0x0028, 0x0103}, "US"}, {{0x0028, 0x1050}, "DS"}, {{0x0028, 0x1051}, "DS"},
        {{0x0028, 0x1052}, "DS"}, {{0x0028, 0x1053}, "DS"}};
    if (tag == Tag{0x0008, 0x0010}) return check_recognition_code(value, length);
    const auto it = std::find_if(std::begin(kExpected), std::end(kExpected),
                                 [&](const Expected& e) { return e.tag == tag; });
    if (it == std::end(kExpected)) return;
    if (enc.explicit_vr && vr != it->vr && vr != "UN")
      fail("element " + text(tag) + " has VR " + std::string(vr) + " instead of " +
           std::string(it->vr));
    if (it->vr != "US") return;
    if (length % 2 != 0) fail("element " + text(tag) + " has odd length " + std::to_string(length));
    const std::uint16_t v = length >= 2 ? u16(value, enc.order) : 0;
    if (tag.element == 0x0002 && length >= 2 && v != 1 && v != 3 && v != 4)
      fail("unsupported SamplesPerPixel " + std::to_string(v));
    if (tag.element == 0x0100) bits_allocated_ = v;
  }

  // The retired Recognition Code (0008,0010) sends GDCM down its ACR-NEMA
  // path, which asserts unless the value is exactly one of the two versions.
  void check_recognition_code(std::uint64_t value, std::uint32_t length) {
    constexpr std::uint32_t kMaxLength = 16;
    std::string code;
    if (length <= kMaxLength && value + length <= size_) {
      const auto* p = reinterpret_cast<const char*>(peek(value, length));
      code.assign(p, length);
    }
    while (!code.empty() && (code.back() == ' ' || code.back() == '\0'))
      code.pop_back();
    if (code != "ACR-NEMA 1.0" && code != "ACR-NEMA 2.0")
      fail("Recognition Code (0008,0010) is neither ACR-NEMA 1.0 nor 2.0");
  }

  // GDCM asserts when encapsulated pixel data meets a native transfer syntax
  // or the other way round.
  void check_pixel_data_form(bool encapsulated) {
    if (encapsulated && native_)
      fail("encapsulated pixel data in a native (uncompressed) transfer syntax");
    if (!encapsulated && !native_)
      fail("native pixel data in an encapsulated (compressed) transfer syntax");
    saw_pixel_data_ = true;
  }

  // Items of the sequence `owner` in [pos, end): up to its delimiter when the
  // length is undefined, filling the range exactly otherwise.
  std::uint64_t sequence(std::uint64_t pos, std::uint64_t end, bool undefined, Encoding enc,
                         int depth, Tag owner) {
    while (true) {
      if (pos == end) {
        if (undefined) fail("sequence " + text(owner) + " has no sequence delimiter");
        return pos;
      }
      if (end - pos < 8)
        fail("truncated item header in sequence " + text(owner) + " at offset " +
             std::to_string(pos));
      const Tag tag = tag_at(pos, enc.order);
      const std::uint32_t length = u32(pos + 4, enc.order);
      count_element();
      if (tag == Tag{kDelimiterGroup, kSequenceEnd}) {
        // GDCM asserts on a delimiter inside a defined-length sequence.
        if (!undefined)
          fail("sequence delimiter inside the defined-length sequence " + text(owner));
        return pos + 8;
      }
      if (tag != Tag{kDelimiterGroup, kItem})
        fail("unexpected " + text(tag) + " in sequence " + text(owner) +
             " where an item was expected");
      const std::uint64_t value = pos + 8;
      if (length == kUndefinedLength) {
        pos = dataset(value, end, Container::undefined_item, enc, depth, owner);
        continue;
      }
      if (length > end - value)
        fail("item in sequence " + text(owner) + " declares " + std::to_string(length) +
             " bytes but only " + std::to_string(end - value) + " remain");
      pos = dataset(value, value + length, Container::defined_item, enc, depth, owner);
    }
  }

  // Encapsulated pixel data: a basic offset table and fragments, each an
  // item of defined length, closed by a sequence delimiter.
  std::uint64_t fragments(std::uint64_t pos, std::uint64_t end, Endian order, Tag owner) {
    for (std::uint64_t index = 0;; ++index) {
      if (pos == end) fail("encapsulated pixel data " + text(owner) + " has no sequence delimiter");
      if (end - pos < 8)
        fail("truncated fragment header in pixel data " + text(owner) + " at offset " +
             std::to_string(pos));
      const Tag tag = tag_at(pos, order);
      const std::uint32_t length = u32(pos + 4, order);
      count_element();
      if (tag == Tag{kDelimiterGroup, kSequenceEnd}) {
        // GDCM asserts that this delimiter is empty.
        if (length != 0)
          fail("sequence delimiter of pixel data " + text(owner) + " has a non-zero length");
        return pos + 8;
      }
      if (tag != Tag{kDelimiterGroup, kItem})
        fail("unexpected " + text(tag) + " in encapsulated pixel data " + text(owner));
      const std::string what =
          index == 0 ? std::string("basic offset table") : "fragment " + std::to_string(index);
      if (length == kUndefinedLength)
        fail(what + " of pixel data " + text(owner) + " has undefined length");
      if (length > end - pos - 8)
        fail(what + " of pixel data " + text(owner) + " declares " + std::to_string(length) +
             " bytes but only " + std::to_string(end - pos - 8) + " remain");
      pos += 8 + length;
    }
  }

  // Every element, item and delimiter advances the walk by at least 8 bytes,
  // so the count is bounded by the file size; checked to keep it that way.
  void count_element() {
    if (++elements_ > size_ / 8 + 1) fail("more elements than the file can hold");
  }

  static constexpr std::uint64_t kWindow = 64 * 1024;
  const ByteSource& src_;
  const std::uint64_t size_;
  std::vector<std::uint8_t> window_;
  std::uint64_t window_start_ = 0;
  std::uint64_t elements_ = 0;
  bool native_ = true;               // the dataset's syntax keeps pixel data uncompressed
  std::uint16_t bits_allocated_ = 0; // (0028,0100) once seen at top level
  bool saw_pixel_data_ = false;
};

} // namespace

DicomLayout prescan_dicom(const ByteSource& src) {
  return Walker(src).run();
}

} // namespace atelier
