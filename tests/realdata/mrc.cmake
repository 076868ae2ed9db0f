# MRC reader against ../shared/data.
atelier_add_test(test_mrc_realdata SOURCES test_mrc_realdata.cpp LABELS realdata REALDATA)
