// core/base: dtypes, float16 conversion, byte order, errors.
#include "core/base/byte_order.h"
#include "core/base/dtype.h"
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/data/image.h"
#include "tests/support/test_support.h"

#include <bit>
#include <cmath>
#include <limits>

using namespace atelier;

class TestBase : public QObject {
  Q_OBJECT
private slots:
  void dtypeNamesRoundTrip();
  void halfToFloatIsExactForEveryHalf();
  void floatToHalfRoundsToNearestEven();
  void byteSwap();
  void formatErrorNamesFileAndReason();
  void checkedByteCountRejectsOverflow();
};

void TestBase::dtypeNamesRoundTrip() {
  for (DType t : {DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32, DType::f16,
                  DType::f32, DType::f64}) {
    const auto back = dtype_from_name(dtype_name(t));
    QVERIFY(back.has_value());
    QCOMPARE(*back, t);
  }
  QCOMPARE(dtype_size(DType::f16), std::size_t{2});
  QCOMPARE(dtype_name(DType::i8), std::string_view("int8"));
  QVERIFY(!dtype_from_name("complex64").has_value());
  QVERIFY(dtype_is_signed(DType::i16));
  QVERIFY(!dtype_is_signed(DType::u16));
}

void TestBase::halfToFloatIsExactForEveryHalf() {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<std::uint16_t>(h));
    const std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f && mant != 0) {
      QVERIFY(std::isnan(f));
      continue;
    }
    // Reference: the value formula of IEEE binary16.
    double ref = exp == 0      ? std::ldexp(static_cast<double>(mant), -24)
                 : exp == 0x1f ? std::numeric_limits<double>::infinity()
                               : std::ldexp(1.0 + mant / 1024.0, static_cast<int>(exp) - 15);
    if (h & 0x8000) ref = -ref;
    QCOMPARE(static_cast<double>(f), ref);
    // And back again, bit-exactly.
    QCOMPARE(float_to_half(f), static_cast<std::uint16_t>(h));
  }
}

void TestBase::floatToHalfRoundsToNearestEven() {
  QCOMPARE(float_to_half(1.0f), std::uint16_t{0x3c00});
  // 1 + 2^-11 is halfway between 1 and the next half: ties to even (1.0).
  QCOMPARE(float_to_half(1.0f + std::ldexp(1.0f, -11)), std::uint16_t{0x3c00});
  // Slightly above halfway rounds up.
  QCOMPARE(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)),
           std::uint16_t{0x3c01});
  QCOMPARE(float_to_half(65504.0f), std::uint16_t{0x7bff});
  QCOMPARE(float_to_half(65520.0f), std::uint16_t{0x7c00}); // overflows to inf
  QCOMPARE(float_to_half(-0.0f), std::uint16_t{0x8000});
  QCOMPARE(float_to_half(std::ldexp(1.0f, -24)), std::uint16_t{0x0001}); // smallest subnormal
  QCOMPARE(float_to_half(std::ldexp(1.0f, -26)), std::uint16_t{0x0000}); // rounds to zero
  QVERIFY((float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x7fff) > 0x7c00);
}

void TestBase::byteSwap() {
  const std::uint8_t be[4] = {0x12, 0x34, 0x56, 0x78};
  QCOMPARE(load_as<std::uint32_t>(be, Endian::big), std::uint32_t{0x12345678});
  QCOMPARE(load_as<std::uint32_t>(be, Endian::little), std::uint32_t{0x78563412});
  std::uint8_t out[8];
  store_as<double>(out, 1.5, Endian::big);
  QCOMPARE(load_as<double>(out, Endian::big), 1.5);
  QCOMPARE(out[0], std::uint8_t{0x3f});
  std::uint16_t v[3] = {0x0102, 0x0304, 0x0506};
  byte_swap_inplace(v, 2, 3);
  QCOMPARE(v[2], std::uint16_t{0x0605});
}

void TestBase::formatErrorNamesFileAndReason() {
  const FormatError e("/data/a.mrc", "truncated");
  QCOMPARE(std::string(e.what()), std::string("/data/a.mrc: truncated"));
  QCOMPARE(e.path(), std::string("/data/a.mrc"));
  QVERIFY(std::string(e.source_file()).find("test_base.cpp") != std::string::npos);
}

void TestBase::checkedByteCountRejectsOverflow() {
  QCOMPARE(checked_byte_count({4, 5, 3}, DType::u16), std::size_t{120});
  ATELIER_VERIFY_THROWS(checked_byte_count({1LL << 40, 1LL << 40}, DType::f32), Error, "overflow");
  ATELIER_VERIFY_THROWS(checked_byte_count({-1, 5}, DType::u8), Error, "not positive");
  ATELIER_VERIFY_THROWS(Image(0, 5, 1, DType::u8), Error, "not positive");
}

QTEST_APPLESS_MAIN(TestBase)
#include "test_base.moc"
