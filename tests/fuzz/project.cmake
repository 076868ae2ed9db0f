# Filter-expression parser and compiler of the project store.
atelier_add_fuzzer(fuzz_filter_expr fuzz_filter_expr.cpp)
