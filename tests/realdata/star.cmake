# STAR files from ../shared/data/manifest.json (cryoem/*.star).
atelier_add_test(test_star_realdata SOURCES test_star_realdata.cpp LABELS realdata REALDATA)
