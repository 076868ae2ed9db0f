# Project store: folder layout, schema migrations, curation with undo/redo,
# the filter language, splits, relinking and crash safety.
atelier_add_test(test_project SOURCES test_project.cpp)
