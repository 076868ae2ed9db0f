# GeoTIFF reader against ../shared/data.
atelier_add_test(test_geotiff_realdata SOURCES test_geotiff_realdata.cpp LABELS realdata REALDATA)
