# Training engine CPU reference ops (core/nn).
atelier_add_test(test_conv2d_reference SOURCES test_conv2d_reference.cpp)
# Optimizers, gradient clipping, learning-rate schedules (core/nn).
atelier_add_test(test_optimizer SOURCES test_optimizer.cpp)
atelier_add_test(test_lr_schedule SOURCES test_lr_schedule.cpp)
atelier_add_test(test_nn_ops_reference SOURCES test_nn_ops_reference.cpp)
# Column folding of one-channel convolutions (the GPU stem), against the reference.
atelier_add_test(test_stem_fold SOURCES test_stem_fold.cpp)
# The CPU backend's thread pool: every part once, awake or woken, several callers.
atelier_add_test(test_cpu_pool SOURCES test_cpu_pool.cpp)
