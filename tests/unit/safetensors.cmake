# safetensors writer/reader unit tests (hand-made files, corrupt variants).
atelier_add_test(test_safetensors SOURCES test_safetensors.cpp)
# Seed files written by a Python script (independent of the writer).
target_compile_definitions(test_safetensors PRIVATE
  ATELIER_SAFETENSORS_CORPUS="${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/safetensors"
  ATELIER_GOLDEN_UNET_DEFAULT="${PROJECT_SOURCE_DIR}/tests/golden/unet_small.golden.safetensors")
