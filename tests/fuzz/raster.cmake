atelier_add_fuzzer(fuzz_raster fuzz_raster.cpp)
