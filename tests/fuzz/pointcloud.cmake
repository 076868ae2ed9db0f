# Fuzz targets of the point-cloud readers (PLY, PCD, XYZ, LAS).
atelier_add_fuzzer(fuzz_ply fuzz_ply.cpp)
atelier_add_fuzzer(fuzz_pcd fuzz_pcd.cpp)
atelier_add_fuzzer(fuzz_xyz fuzz_xyz.cpp)
atelier_add_fuzzer(fuzz_las fuzz_las.cpp)
