# Loading and rendering a 10-million-point cloud and a 256^3 volume, with
# frame times while rotating (needs an X display).
atelier_add_test(bench_render SOURCES bench_render.cpp LABELS bench LIBS atelier::render)
