# Point-cloud reader unit tests (hand-made PLY, PCD, XYZ and LAS files,
# corrupt variants).
atelier_add_test(test_ply SOURCES test_ply.cpp)
atelier_add_test(test_pcd SOURCES test_pcd.cpp)
atelier_add_test(test_xyz SOURCES test_xyz.cpp)
atelier_add_test(test_las SOURCES test_las.cpp)
