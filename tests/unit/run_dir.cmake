# Run directory, checkpoint, progress line and stop-signal unit tests.
atelier_add_test(test_run_dir SOURCES test_run_dir.cpp)
atelier_add_test(test_run_follower SOURCES test_run_follower.cpp)
