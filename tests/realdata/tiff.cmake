# TIFF reader against ../shared/data.
atelier_add_test(test_tiff_realdata SOURCES test_tiff_realdata.cpp LABELS realdata REALDATA)
