# PNG reader against ../shared/data/xray.
atelier_add_test(test_raster_realdata SOURCES test_raster_realdata.cpp LABELS realdata REALDATA)
set_target_properties(test_raster_realdata PROPERTIES AUTOMOC ON)
