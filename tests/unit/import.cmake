# Import pipeline: scanning, globs, change detection, metrics and thumbnails,
# error items, cancellation and resuming.
atelier_add_test(test_import SOURCES test_import.cpp)
