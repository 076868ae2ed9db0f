// Unit tests of the safetensors writer and reader: round trips over all
// dtypes (0-d scalar and empty tensors included), metadata, deterministic
// output, a file written by hand byte for byte, every header corruption with
// its exact message, writer input errors, and no temp file left behind.
#include "core/base/error.h"
#include "core/io/byte_source.h"
#include "core/io/file_inspect.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace atelier;

namespace {

// Length prefix + header text as given (no padding) + buffer_len bytes 0..n.
std::vector<std::uint8_t> make_file(const std::string& header, std::size_t buffer_len) {
  std::vector<std::uint8_t> out;
  const std::uint64_t n = header.size();
  for (int b = 0; b < 8; ++b)
    out.push_back(static_cast<std::uint8_t>(n >> (8 * b)));
  out.insert(out.end(), header.begin(), header.end());
  for (std::size_t i = 0; i < buffer_len; ++i)
    out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

SafetensorsFile open_memory(std::vector<std::uint8_t> bytes) {
  return SafetensorsFile(std::make_unique<MemorySource>("mem.safetensors", std::move(bytes)));
}

template <typename T>
std::vector<std::uint8_t> raw(const std::vector<T>& v) {
  std::vector<std::uint8_t> out(v.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

} // namespace

class TestSafetensors : public QObject {
  Q_OBJECT

private slots:
  void roundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto f32 = raw(std::vector<float>{1.5f, -2.f, 3.f, 0.f, 1e-3f, 7.f});
    const auto f64 = raw(std::vector<double>{1.0, 2.0, 3.0, 4.0});
    const auto i64 = raw(std::vector<std::int64_t>{-42});
    const auto bf16 = raw(std::vector<std::uint16_t>{0x3F80, 0xC000, 0x4040});
    const auto f16 = raw(std::vector<std::uint16_t>{0x3C00});
    const auto i32 = raw(std::vector<std::int32_t>{1, -1});
    const auto i16 = raw(std::vector<std::int16_t>{-3, 4, 5});
    const std::vector<std::uint8_t> i8 = {0xFF, 0x01}, u8 = {}, boolean = {1, 0, 1};
    const std::vector<TensorView> in = {{"enc.0.0.weight", "F32", {2, 1, 3}, f32},
                                        {"scalar", "I64", {}, i64},
                                        {"empty", "U8", {0, 5}, u8},
                                        {"b", "BF16", {3}, bf16},
                                        {"h", "F16", {1, 1}, f16},
                                        {"d", "F64", {2, 2}, f64},
                                        {"i32", "I32", {2}, i32},
                                        {"i16", "I16", {3}, i16},
                                        {"i8", "I8", {2}, i8},
                                        {"mask", "BOOL", {3}, boolean}};
    const std::string path = dir.filePath("ck.safetensors").toStdString();
    write_safetensors(path, in, {{"step", "100"}, {"format", "pt"}});

    const SafetensorsFile f(path);
    // Storage order: dtype rank descending (as the reference writer), then name.
    const std::vector<std::string> order = {"scalar", "d",  "enc.0.0.weight", "i32", "b", "h",
                                            "i16",    "i8", "empty",          "mask"};
    QCOMPARE(f.names(), order);
    for (const TensorView& t : in) {
      const SafetensorsInfo& info = f.info(t.name);
      QCOMPARE(info.dtype, t.dtype);
      QCOMPARE(info.shape, t.shape);
      QCOMPARE(info.byte_size(), std::uint64_t(t.bytes.size()));
      QCOMPARE(info.begin % *safetensors_dtype_size(t.dtype), std::uint64_t(0));
      QCOMPARE(f.read(t.name), std::vector<std::uint8_t>(t.bytes.begin(), t.bytes.end()));
    }
    QCOMPARE(f.info("scalar").shape.size(), std::size_t(0));
    std::int64_t scalar = 0;
    f.read_into("scalar", {reinterpret_cast<std::uint8_t*>(&scalar), 8});
    QCOMPARE(scalar, std::int64_t(-42));
    QCOMPARE(f.data_start() % 8, std::uint64_t(0));
    const std::vector<std::pair<std::string, std::string>> meta = {{"format", "pt"},
                                                                   {"step", "100"}};
    QCOMPARE(f.metadata(), meta);
    QVERIFY(f.contains("mask"));
    QVERIFY(!f.contains("nope"));
    ATELIER_VERIFY_THROWS(f.info("nope"), FormatError, "ck.safetensors: no tensor named 'nope'");

    // Same input in another order gives the same bytes; no temp file remains.
    std::vector<TensorView> reversed(in.rbegin(), in.rend());
    const std::string path2 = dir.filePath("ck2.safetensors").toStdString();
    write_safetensors(path2, reversed, {{"format", "pt"}, {"step", "100"}});
    QCOMPARE(test::read_file(path2), test::read_file(path));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files),
             QStringList({"ck.safetensors", "ck2.safetensors"}));
    // Overwriting an existing checkpoint replaces it.
    const std::vector<TensorView> one = {{"x", "U8", {1}, std::span(i8.data(), 1)}};
    write_safetensors(path, one, {});
    QCOMPARE(SafetensorsFile(path).names(), std::vector<std::string>{"x"});
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
  }

  void exactWriterBytes() {
    const auto data = raw(std::vector<float>{1.f, 2.f});
    const std::vector<TensorView> in = {{"w", "F32", {2}, data}};
    const auto out = serialize_safetensors("x", in, {{"k", "v"}});
    std::string header =
        R"({"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    auto expect = make_file(header, 0);
    expect.insert(expect.end(), data.begin(), data.end());
    QCOMPARE(out, expect);
    QCOMPARE(header.size() % 8, std::size_t(0));
  }

  void handMadeFile() {
    // Written independently of the writer: tensors out of order in the header,
    // metadata last, whitespace, escapes, a non-ASCII name.
    const std::string header =
        "{ \"b\" : {\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]},"
        "\"a\\u00e9\\ud83d\\ude00\":{\"shape\":[2],\"dtype\":\"F32\","
        "\"data_offsets\":[0,8]},"
        "\"__metadata__\":{\"note\":\"line\\nbreak \\\"q\\\"\"}}   ";
    auto bytes = make_file(header, 0);
    const float fl[2] = {1.f, -2.f};
    const std::int16_t s = -7;
    bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(fl),
                 reinterpret_cast<const std::uint8_t*>(fl) + 8);
    bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(&s),
                 reinterpret_cast<const std::uint8_t*>(&s) + 2);
    QTemporaryDir dir;
    const std::string path = dir.filePath("hand.safetensors").toStdString();
    test::write_file(path, bytes);
    const SafetensorsFile f(path);
    const std::string a = "a\xC3\xA9\xF0\x9F\x98\x80";
    QCOMPARE(f.names(), (std::vector<std::string>{a, "b"}));
    const auto av = f.read(a);
    float got[2];
    std::memcpy(got, av.data(), 8);
    QCOMPARE(got[0], 1.f);
    QCOMPARE(got[1], -2.f);
    const auto bv = f.read("b");
    std::int16_t gs = 0;
    std::memcpy(&gs, bv.data(), 2);
    QCOMPARE(gs, std::int16_t(-7));
    QCOMPARE(f.metadata().size(), std::size_t(1));
    QCOMPARE(f.metadata()[0].second, std::string("line\nbreak \"q\""));
    QCOMPARE(f.data_start(), std::uint64_t(8 + header.size()));
    // An empty header object describes an empty file.
    QVERIFY(open_memory(make_file("{}", 0)).names().empty());
  }

  void pythonWrittenFile() {
    // Written by a Python script with json.dumps (ASCII escapes) and struct.
    const SafetensorsFile f(std::string(ATELIER_SAFETENSORS_CORPUS) + "/mixed.safetensors");
    QCOMPARE(f.names(), (std::vector<std::string>{"d", "s", "b", "e", "m", "\xC3\xA9"}));
    QCOMPARE(f.info("b").dtype, std::string("BF16"));
    QCOMPARE(f.info("s").shape.size(), std::size_t(0));
    QCOMPARE(f.info("e").shape, std::vector<std::int64_t>{0});
    double d[2];
    std::memcpy(d, f.read("d").data(), 16);
    QCOMPARE(d[1], 2.0);
    QCOMPARE(f.read("\xC3\xA9"), std::vector<std::uint8_t>{0x7F});
    QCOMPARE(f.read("m"), (std::vector<std::uint8_t>{1, 0}));
    const SafetensorsFile g(std::string(ATELIER_SAFETENSORS_CORPUS) + "/small_f32.safetensors");
    QCOMPARE(g.info("enc.0.0.weight").shape, (std::vector<std::int64_t>{2, 1, 3, 3}));
    QCOMPARE(g.metadata().size(), std::size_t(2));
  }

  void matchesReferenceImplementation() {
    // Written by the Python safetensors package (numpy.save_file): 12 dtypes,
    // a 0-d scalar, an empty tensor. Re-serialising what we read, given in
    // reverse order, must give the same bytes.
    const std::string path = std::string(ATELIER_SAFETENSORS_CORPUS) + "/reference_lib.safetensors";
    const SafetensorsFile f(path);
    QCOMPARE(f.names().size(), std::size_t(17));
    QCOMPARE(f.names().front(), std::string("t00_uint64"));
    QCOMPARE(f.info("a.scalar").shape.size(), std::size_t(0));
    QCOMPARE(f.info("b.empty").byte_size(), std::uint64_t(0));
    float scalar = 0;
    f.read_into("a.scalar", {reinterpret_cast<std::uint8_t*>(&scalar), 4});
    QCOMPARE(scalar, 2.5f);
    std::vector<std::vector<std::uint8_t>> data;
    std::vector<TensorView> views;
    const auto names = f.names();
    for (const auto& n : names)
      data.push_back(f.read(n));
    for (std::size_t i = names.size(); i-- > 0;) {
      const SafetensorsInfo& info = f.info(names[i]);
      views.push_back({info.name, info.dtype, info.shape, data[i]});
    }
    QCOMPARE(serialize_safetensors("x", views, f.metadata()), test::read_file(path));
  }

  // A checkpoint-like file with the state_dict names and shapes of the small
  // U-Net (tests/golden/gen_unet.py --small) and Adam state under "optim.".
  // Copied to $ATELIER_SAFETENSORS_OUT when set, for check_safetensors.py --unet.
  void unetCheckpoint() {
    struct P {
      std::string name;
      std::vector<std::int64_t> shape;
    };
    const std::int64_t nf = 8, h1 = 16, h2 = 8;
    std::vector<P> params = {{"enc.0.0", {nf, 1, 11, 11}}};
    for (int i = 1; i < 5; ++i)
      params.push_back({"enc." + std::to_string(i) + ".0", {nf, nf, 3, 3}});
    params.push_back({"mid.0", {nf, nf, 3, 3}});
    for (int i = 0; i < 4; ++i) {
      const std::int64_t cin = i == 0 ? 2 * nf : 3 * nf;
      params.push_back({"dec." + std::to_string(i) + ".0", {2 * nf, cin, 3, 3}});
      params.push_back({"dec." + std::to_string(i) + ".2", {2 * nf, 2 * nf, 3, 3}});
    }
    params.push_back({"head.0", {h1, 2 * nf + 1, 5, 5}});
    params.push_back({"head.2", {h2, h1, 5, 5}});
    params.push_back({"head.4", {1, h2, 5, 5}});
    std::vector<std::vector<float>> store;
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> entries;
    for (const P& p : params) {
      entries.push_back({p.name + ".weight", p.shape});
      entries.push_back({p.name + ".bias", {p.shape[0]}});
      entries.push_back({"optim.exp_avg." + p.name + ".weight", p.shape});
    }
    std::vector<TensorView> views;
    store.reserve(entries.size());
    for (const auto& [name, shape] : entries) {
      std::int64_t n = 1;
      for (auto d : shape)
        n *= d;
      std::vector<float> v(static_cast<std::size_t>(n));
      for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = 0.01f * static_cast<float>(static_cast<int>((i * 7919 + name.size()) % 201) - 100);
      store.push_back(std::move(v));
      const auto& b = store.back();
      views.push_back(
          {name, "F32", shape, {reinterpret_cast<const std::uint8_t*>(b.data()), b.size() * 4}});
    }
    const std::int64_t step = 5;
    views.push_back({"optim.step", "I64", {}, {reinterpret_cast<const std::uint8_t*>(&step), 8}});
    QTemporaryDir dir;
    const std::string path = dir.filePath("step-000005.safetensors").toStdString();
    write_safetensors(path, views, {{"format", "pt"}, {"step", "5"}});
    const SafetensorsFile f(path);
    QCOMPARE(f.names().size(), entries.size() + 1);
    QCOMPARE(f.info("head.0.weight").shape, (std::vector<std::int64_t>{16, 17, 5, 5}));
    QCOMPARE(f.read("dec.3.2.bias").size(), std::size_t(64));
    const QByteArray out = qgetenv("ATELIER_SAFETENSORS_OUT");
    if (!out.isEmpty()) test::write_file(out.toStdString(), test::read_file(path));
  }

  // A golden file from tests/golden/gen_unet.py, when $ATELIER_GOLDEN_UNET names one.
  // The golden U-Net file made by tests/golden/gen_unet.py with PyTorch
  // (committed; ATELIER_GOLDEN_UNET points at another one).
  void goldenFileIfGiven() {
    QByteArray path = qgetenv("ATELIER_GOLDEN_UNET");
    if (path.isEmpty()) path = ATELIER_GOLDEN_UNET_DEFAULT;
    const SafetensorsFile f(path.toStdString());
    auto meta = [&](const std::string& k) {
      for (const auto& [key, v] : f.metadata())
        if (key == k) return v;
      return std::string();
    };
    QCOMPARE(meta("magic"), std::string("atelier-golden-unet"));
    QCOMPARE(meta("version"), std::string("1"));
    QCOMPARE(f.info("input").shape, (std::vector<std::int64_t>{1, 1, 64, 64}));
    QCOMPARE(f.info("losses").shape, std::vector<std::int64_t>{5});
    QCOMPARE(f.info("param.head.4.bias").shape, std::vector<std::int64_t>{1});
    QCOMPARE(f.info("grad.enc.0.0.weight").shape, f.info("param.enc.0.0.weight").shape);
    QCOMPARE(f.info("final.dec.3.2.weight").dtype, std::string("F32"));
  }

  void corrupt_data() {
    QTest::addColumn<QString>("header");
    QTest::addColumn<int>("buffer");
    QTest::addColumn<QString>("message");
    const QString ok = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";
    QTest::newRow("not object") << "[1]" << 0 << "header does not start with '{'";
    QTest::newRow("bad json") << "{\"a\":" << 0 << "invalid JSON header: unexpected end at byte 5";
    QTest::newRow("float") << R"({"a":1.5})" << 0
                           << "invalid JSON header: non-integer number at byte 6";
    QTest::newRow("true") << R"({"a":true})" << 0
                          << "invalid JSON header: unsupported value at byte 5";
    QTest::newRow("trailing") << "{}x" << 0 << "invalid JSON header: trailing characters at byte 2";
    QTest::newRow("deep") << QString("{\"a\":").repeated(41) << 0
                          << "invalid JSON header: nesting deeper than 32 at byte 160";
    QTest::newRow("huge int") << R"({"a":{"dtype":"U8","shape":[99999999999999999999]}})" << 0
                              << "invalid JSON header: integer out of range at byte 28";
    QTest::newRow("entry not object")
        << R"({"a":"x"})" << 0 << "tensor 'a': entry is not an object";
    QTest::newRow("unknown dtype") << R"({"a":{"dtype":"F99","shape":[],"data_offsets":[0,0]}})"
                                   << 0 << "tensor 'a': unknown dtype 'F99'";
    QTest::newRow("missing dtype")
        << R"({"a":{"shape":[],"data_offsets":[0,0]}})" << 0 << "tensor 'a': missing 'dtype'";
    QTest::newRow("missing shape")
        << R"({"a":{"dtype":"U8","data_offsets":[0,0]}})" << 0 << "tensor 'a': missing 'shape'";
    QTest::newRow("missing offsets")
        << R"({"a":{"dtype":"U8","shape":[]}})" << 0 << "tensor 'a': missing 'data_offsets'";
    QTest::newRow("extra key") << "{\"a\":{" + ok + R"(,"x":1}})" << 8
                               << "tensor 'a': unexpected key 'x'";
    QTest::newRow("dup key") << "{\"a\":{" + ok + R"(,"dtype":"F32"}})" << 8
                             << "tensor 'a': duplicate 'dtype'";
    QTest::newRow("negative dim") << R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})"
                                  << 0 << "tensor 'a': negative dimension -1 in shape";
    QTest::newRow("shape not ints")
        << R"({"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}})" << 1
        << "invalid JSON header: array element is not an integer at byte 28";
    QTest::newRow("offsets not pair")
        << R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}})" << 1
        << "tensor 'a': 'data_offsets' is not a pair of integers";
    QTest::newRow("negative offset") << R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,-1]}})"
                                     << 0 << "tensor 'a': negative data_offsets";
    QTest::newRow("reversed offsets")
        << R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,2]}})" << 4
        << "tensor 'a': data_offsets [4, 2] end before they begin";
    QTest::newRow("outside buffer")
        << "{\"a\":{" + ok + "}}" << 6
        << "tensor 'a': data_offsets [0, 8] exceed the 6-byte data buffer";
    QTest::newRow("size mismatch")
        << R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})" << 8
        << "tensor 'a': data_offsets hold 8 bytes but shape [3] of F32 "
           "needs 12";
    QTest::newRow("overflow")
        << R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})" << 0
        << "tensor 'a': shape [4294967296, 4294967296] overflows";
    QTest::newRow("overlap")
        << "{\"a\":{" + ok + R"(},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})" << 8
        << "tensor 'b' starts at 4 but the previous tensor 'a' ends at 8 (overlap)";
    QTest::newRow("gap") << R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})" << 4
                         << "tensor 'a' starts at 2 but the buffer starts at 0 (gap)";
    QTest::newRow("uncovered") << "{\"a\":{" + ok + "}}" << 9
                               << "data buffer has 9 bytes but tensors cover 8";
    QTest::newRow("duplicate name")
        << "{\"a\":{" + ok + "},\"a\":{" + ok + "}}" << 8 << "duplicate tensor name 'a'";
    QTest::newRow("metadata not object")
        << R"({"__metadata__":[]})" << 0 << "'__metadata__' must be an object of strings";
    QTest::newRow("metadata not string")
        << R"({"__metadata__":{"k":1}})" << 0 << "metadata 'k' is not a string";
    QTest::newRow("metadata dup key")
        << R"({"__metadata__":{"k":"1","k":"2"}})" << 0 << "duplicate metadata key 'k'";
    QTest::newRow("metadata twice")
        << R"({"__metadata__":{},"__metadata__":{}})" << 0 << "duplicate '__metadata__'";
    QTest::newRow("control char") << "{\"a\x01\":1}" << 0
                                  << "invalid JSON header: control character in string at byte 3";
    QTest::newRow("lone surrogate")
        << R"({"\ud800":1})" << 0 << "invalid JSON header: lone high surrogate at byte 8";
  }

  // `info` on model weights: counts, dtypes, metadata, and the weights'
  // statistics with NaN counted (a diverged run shows), optimizer state apart.
  void infoDescribesWeights() {
    const std::vector<float> w = {1.0f, -3.0f, std::nanf(""), 2.0f}, m = {9.0f, 9.0f};
    const std::vector<std::uint16_t> b = {0x3f80, 0xc000}; // bf16 1, -2
    const std::vector<TensorView> views = {
        {"conv.weight", "F32", {2, 2}, {reinterpret_cast<const std::uint8_t*>(w.data()), 16}},
        {"conv.bias", "BF16", {2}, {reinterpret_cast<const std::uint8_t*>(b.data()), 4}},
        {"optim.exp_avg.conv.bias",
         "F32",
         {2},
         {reinterpret_cast<const std::uint8_t*>(m.data()), 8}}};
    QTemporaryDir dir;
    const std::string path = dir.filePath("step-000007.safetensors").toStdString();
    write_safetensors(path, views, {{"format", "atelier-checkpoint"}, {"step", "7"}});
    QCOMPARE(detect_format(path), std::string("safetensors"));
    const FileInfo info = inspect_file(path);
    QCOMPARE(info.format, std::string("safetensors"));
    QCOMPARE(info.extra_number("tensors").value_or(0), 3.0);
    QCOMPARE(info.extra_number("parameters").value_or(0), 6.0);
    QCOMPARE(info.extra_text("weight_dtypes"), std::string("BF16, F32"));
    QCOMPARE(info.extra_number("optimizer_tensors").value_or(0), 1.0);
    QCOMPARE(info.extra_text("metadata_format"), std::string("atelier-checkpoint"));
    QCOMPARE(info.extra_text("step"), std::string("7"));
    QVERIFY(info.stats.has_value());
    QCOMPARE(info.stats->non_finite(), std::uint64_t(1));
    QCOMPARE(info.stats->count(), std::uint64_t(5));
    QCOMPARE(info.stats->min(), -3.0);
    QCOMPARE(info.stats->max(), 2.0);
  }

  void corrupt() {
    QFETCH(QString, header);
    QFETCH(int, buffer);
    QFETCH(QString, message);
    const auto bytes = make_file(header.toStdString(), static_cast<std::size_t>(buffer));
    const std::string needle = "mem.safetensors: " + message.toStdString();
    ATELIER_VERIFY_THROWS(open_memory(bytes), FormatError, needle.c_str());
  }

  void corruptLengthAndEncoding() {
    ATELIER_VERIFY_THROWS(open_memory({1, 2, 3}), FormatError,
                          "mem.safetensors: file too small for a safetensors header (3 bytes)");
    auto big = make_file("{}", 0);
    big[0] = 0x01;
    big[1] = 0xE1;
    big[2] = 0xF5;
    big[3] = 0x05; // 100000001
    ATELIER_VERIFY_THROWS(open_memory(big), FormatError,
                          "mem.safetensors: header length 100000001 exceeds the 100000000-byte "
                          "limit");
    auto longer = make_file("{}", 0);
    longer[0] = 3;
    ATELIER_VERIFY_THROWS(open_memory(longer), FormatError,
                          "mem.safetensors: header length 3 exceeds the file size (10 bytes)");
    ATELIER_VERIFY_THROWS(open_memory(make_file("{\"\xC3\x28\":1}", 0)), FormatError,
                          "mem.safetensors: header is not valid UTF-8");
    ATELIER_VERIFY_THROWS(open_memory(make_file("{\"\xC0\xAF\":1}", 0)), FormatError,
                          "mem.safetensors: header is not valid UTF-8");
    ATELIER_VERIFY_THROWS(open_memory(make_file("", 0)), FormatError,
                          "mem.safetensors: header does not start with '{'");
    ATELIER_VERIFY_THROWS(SafetensorsFile("/nonexistent/x.safetensors"), FormatError,
                          "/nonexistent/x.safetensors: cannot open");
  }

  void writerErrors() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.safetensors").toStdString();
    const std::vector<std::uint8_t> four = {1, 2, 3, 4};
    auto write = [&](std::vector<TensorView> t,
                     std::vector<std::pair<std::string, std::string>> m = {}) {
      write_safetensors(path, t, m);
    };
    ATELIER_VERIFY_THROWS(write({{"a", "F32", {2}, four}}), FormatError,
                          "w.safetensors: tensor 'a': has 4 bytes but shape [2] of F32 needs 8");
    ATELIER_VERIFY_THROWS(write({{"a", "X", {4}, four}}), FormatError,
                          "tensor 'a': unknown dtype 'X'");
    ATELIER_VERIFY_THROWS(write({{"a", "U8", {-4}, four}}), FormatError,
                          "tensor 'a': invalid shape [-4]");
    ATELIER_VERIFY_THROWS(write({{"a", "U8", {4}, four}, {"a", "I8", {4}, four}}), FormatError,
                          "duplicate tensor name 'a'");
    ATELIER_VERIFY_THROWS(write({{"", "U8", {4}, four}}), FormatError,
                          "cannot write a tensor with an empty name");
    ATELIER_VERIFY_THROWS(write({{"__metadata__", "U8", {4}, four}}), FormatError,
                          "cannot write a tensor named '__metadata__'");
    ATELIER_VERIFY_THROWS(write({}, {{"k", "1"}, {"k", "2"}}), FormatError,
                          "duplicate metadata key 'k'");
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
    ATELIER_VERIFY_THROWS(
        write_safetensors("/nonexistent/dir/x.safetensors", std::vector<TensorView>{}, {}),
        FormatError, "/nonexistent/dir/x.safetensors: cannot create");
    // An empty file is legal: 8-byte length + "{}" padded to 8.
    write({});
    QCOMPARE(test::read_file(path), make_file("{}      ", 0));
    QVERIFY(open_memory(test::read_file(path)).names().empty());
  }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
