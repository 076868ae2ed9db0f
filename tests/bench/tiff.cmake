# TIFF read benchmark (label bench): raw file read vs libtiff LZW decode.
find_package(TIFF 4.5 REQUIRED)
atelier_add_test(bench_tiff_read SOURCES bench_tiff_read.cpp LABELS bench LIBS TIFF::TIFF)
