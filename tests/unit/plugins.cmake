# Plugin API and the remote-sensing / radiography metric plugins.
atelier_add_test(test_plugins SOURCES test_plugins.cpp LIBS atelier::plugins)
