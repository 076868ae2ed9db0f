# Project store at scale: 300,000 items with 10 metrics each.
atelier_add_test(bench_project SOURCES bench_project.cpp LABELS bench)
