# NIfTI reader against ../shared/data/volumes (zlib for the independent decode).
find_package(ZLIB REQUIRED)
atelier_add_test(test_nifti_realdata SOURCES test_nifti_realdata.cpp LABELS realdata REALDATA LIBS ZLIB::ZLIB)
set_target_properties(test_nifti_realdata PROPERTIES AUTOMOC ON)
