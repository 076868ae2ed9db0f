# Import throughput: 200 simulated 1024 x 1024 float32 micrographs with two
# workers, next to a raw read of the same files.
atelier_add_test(bench_import SOURCES bench_import.cpp LABELS bench)
