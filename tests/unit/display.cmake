# Display mapping (windowing, gamma, colormaps).
atelier_add_test(test_display SOURCES test_display.cpp)
