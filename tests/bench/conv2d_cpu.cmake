# Fast CPU convolution versus the reference on U-Net-like layers.
atelier_add_test(bench_conv2d_cpu SOURCES bench_conv2d_cpu.cpp LABELS bench)
