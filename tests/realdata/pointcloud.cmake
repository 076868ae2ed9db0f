# Point-cloud readers (PLY, PCD, LAS) against ../shared/data.
atelier_add_test(test_pointcloud_realdata SOURCES test_pointcloud_realdata.cpp LABELS realdata REALDATA)
