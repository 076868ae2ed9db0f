# MRC read throughput versus a raw read of the same file.
atelier_add_test(bench_mrc_read SOURCES bench_mrc_read.cpp LABELS bench)
