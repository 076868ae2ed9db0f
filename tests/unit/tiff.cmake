# Unit tests of the libtiff-based TIFF reader; files are written with libtiff itself.
find_package(TIFF 4.5 REQUIRED)
atelier_add_test(test_tiff SOURCES test_tiff.cpp LIBS TIFF::TIFF)
