# MRC reader/writer unit tests.
atelier_add_test(test_mrc SOURCES test_mrc.cpp)
