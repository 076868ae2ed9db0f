# safetensors reader, plus the writer round trip on whatever parses.
atelier_add_fuzzer(fuzz_safetensors fuzz_safetensors.cpp)
