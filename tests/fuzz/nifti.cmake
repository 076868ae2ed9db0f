atelier_add_fuzzer(fuzz_nifti fuzz_nifti.cpp)
