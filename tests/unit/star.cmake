# STAR reader/writer unit tests (hand-written STAR text, corrupt variants).
atelier_add_test(test_star SOURCES test_star.cpp)
