# Loading and rendering a 10-million-point cloud and a 256^3 volume, with
# frame times while rotating (needs an X display).
atelier_add_test(bench_render SOURCES bench_render.cpp LABELS bench LIBS atelier::render)
# The run monitor's plot with up to a million points per series.
atelier_add_test(bench_line_plot SOURCES bench_line_plot.cpp LABELS bench LIBS atelier::widgets)
