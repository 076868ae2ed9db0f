// core/data: images, stacks, volumes, point clouds, metadata.
#include "core/base/error.h"
#include "core/data/image_stack.h"
#include "core/data/point_cloud.h"
#include "core/data/volume.h"
#include "tests/support/test_support.h"

using namespace atelier;

class TestData : public QObject {
  Q_OBJECT
private slots:
  void imageKeepsTypeAndLayout();
  void volumeAnisotropicSpacing();
  void stackReadsFramesAndChecksShape();
  void pointCloudFields();
  void metadataOrderedAndUnique();
};

void TestData::imageKeepsTypeAndLayout() {
  Image img(3, 2, 4, DType::u16);
  QCOMPARE(img.byte_size(), std::size_t{3 * 2 * 4 * 2});
  QCOMPARE(img.row_bytes(), std::size_t{3 * 4 * 2});
  img.values<std::uint16_t>()[5] = 65535;
  QCOMPARE(img.values<std::uint16_t>()[5], std::uint16_t{65535});
  QCOMPARE(img.value_count(), std::size_t{24});
}

void TestData::volumeAnisotropicSpacing() {
  Volume v(4, 3, 2, DType::f32, 5);
  QCOMPARE(v.voxel_count(), std::size_t{120});
  v.spacing.xyz = {1.0, 1.0, 2.5};
  v.spacing.unit = "mm";
  QVERIFY(v.spacing.known());
  ATELIER_VERIFY_THROWS(Volume(1 << 30, 1 << 30, 1 << 30, DType::f32), Error, "");
}

void TestData::stackReadsFramesAndChecksShape() {
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) {
    Image f(2, 2, 1, DType::f32);
    f.values<float>()[0] = static_cast<float>(i);
    frames.push_back(std::move(f));
  }
  InMemoryImageStack stack(frames);
  QCOMPARE(stack.frame_count(), std::int64_t{3});
  QCOMPARE(stack.read_frame(2).values<float>()[0], 2.0f);
  ATELIER_VERIFY_THROWS(stack.read_frame(3), Error, "outside the stack");
  frames.push_back(Image(3, 2, 1, DType::f32));
  ATELIER_VERIFY_THROWS(InMemoryImageStack{frames}, Error, "frame 3 differs");
}

void TestData::pointCloudFields() {
  PointCloud pc;
  pc.xyz = {{1, 2, 3}, {4, 5, 6}};
  auto& c = pc.add_field("classification");
  c.values = {2, 6};
  QCOMPARE(pc.size(), std::size_t{2});
  QVERIFY(pc.field("classification") != nullptr);
  QCOMPARE(pc.field("classification")->values[1], 6.0);
  QVERIFY(pc.field("gps_time") == nullptr);
  QVERIFY(!pc.has_rgb());
}

void TestData::metadataOrderedAndUnique() {
  Metadata m;
  m.set("b", "1");
  m.set("a", "2");
  m.set("b", "3");
  QCOMPARE(m.entries().size(), std::size_t{2});
  QCOMPARE(m.entries()[0].second, std::string("3"));
  QVERIFY(m.find("c") == nullptr);
}

QTEST_APPLESS_MAIN(TestData)
#include "test_data.moc"
