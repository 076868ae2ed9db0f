# STAR parser, plus the writer round trip on whatever parses.
atelier_add_fuzzer(fuzz_star fuzz_star.cpp)
