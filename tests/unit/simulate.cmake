# Cryo-EM movie simulator: CTF, FFT, files, statistics, drift, determinism.
atelier_add_test(test_simulate SOURCES test_simulate.cpp)
