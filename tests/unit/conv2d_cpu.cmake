# Fast CPU convolution (im2col + SGEMM) against the reference (core/nn).
atelier_add_test(test_conv2d_cpu SOURCES test_conv2d_cpu.cpp)
# The CPU backend's bias + activation against the reference (core/nn).
atelier_add_test(test_bias_activation_cpu SOURCES test_bias_activation_cpu.cpp)
# The CPU backend's pooling, upsampling and concatenation against the references.
atelier_add_test(test_plane_ops_cpu SOURCES test_plane_ops_cpu.cpp)
