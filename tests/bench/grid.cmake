# Scrolling the curation grid through 300,000 items.
atelier_add_test(bench_grid_scroll SOURCES bench_grid_scroll.cpp LABELS bench
                 LIBS atelier::widgets)
# Panning and zooming the viewer on an 8192 x 8192 float image.
atelier_add_test(bench_viewer_8k SOURCES bench_viewer_8k.cpp LABELS bench LIBS atelier::widgets)
