# Training engine CPU reference ops (core/nn).
atelier_add_test(test_conv2d_reference SOURCES test_conv2d_reference.cpp)
