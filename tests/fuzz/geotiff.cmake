# libFuzzer target for the GDAL-based GeoTIFF reader (GDAL headers for /vsimem/).
find_package(GDAL CONFIG REQUIRED)
atelier_add_fuzzer(fuzz_geotiff fuzz_geotiff.cpp)
target_link_libraries(fuzz_geotiff PRIVATE GDAL::GDAL)
