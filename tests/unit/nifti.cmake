# NIfTI reader unit tests (hand-written headers, gzip through zlib).
find_package(ZLIB REQUIRED)
atelier_add_test(test_nifti SOURCES test_nifti.cpp LIBS ZLIB::ZLIB)
set_target_properties(test_nifti PROPERTIES AUTOMOC ON)
