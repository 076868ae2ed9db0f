# Import-time metrics on a 4096 x 4096 float32 micrograph.
atelier_add_test(bench_metrics SOURCES bench_metrics.cpp LABELS bench)
