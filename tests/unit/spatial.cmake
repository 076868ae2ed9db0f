# Volume and point-cloud loading for the 3D views (limits, binning, widening).
atelier_add_test(test_spatial SOURCES test_spatial.cpp REALDATA)
