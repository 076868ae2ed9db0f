atelier_add_fuzzer(fuzz_dicom fuzz_dicom.cpp)
