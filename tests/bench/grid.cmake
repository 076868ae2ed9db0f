# Scrolling the curation grid through 300,000 items.
atelier_add_test(bench_grid_scroll SOURCES bench_grid_scroll.cpp LABELS bench
                 LIBS atelier::widgets)
