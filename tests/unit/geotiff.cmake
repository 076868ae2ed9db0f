# Unit tests of the GDAL-based GeoTIFF reader; variants are made with gdal_translate.
atelier_add_test(test_geotiff SOURCES test_geotiff.cpp)
