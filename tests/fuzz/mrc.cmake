# MRC reader fuzzer.
atelier_add_fuzzer(fuzz_mrc fuzz_mrc.cpp)
