# libFuzzer target for the libtiff-based TIFF reader.
atelier_add_fuzzer(fuzz_tiff fuzz_tiff.cpp)
