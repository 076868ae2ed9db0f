# The domain plugins' metrics on the satellite and X-ray samples of ../shared/data.
atelier_add_test(test_plugins_realdata SOURCES test_plugins_realdata.cpp LABELS realdata REALDATA
                 LIBS atelier::plugins)
