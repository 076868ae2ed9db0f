# Denoise recipe pair-list parser fuzzer.
atelier_add_fuzzer(fuzz_pair_list fuzz_pair_list.cpp)
