# Fast CPU convolution (im2col + SGEMM) against the reference (core/nn).
atelier_add_test(test_conv2d_cpu SOURCES test_conv2d_cpu.cpp)
# The CPU backend's bias + activation against the reference (core/nn).
atelier_add_test(test_bias_activation_cpu SOURCES test_bias_activation_cpu.cpp)
