# Training engine (core/engine): memory planning, the U-Net graph, the CPU
# backend against the PyTorch golden file.
atelier_add_test(test_engine SOURCES test_engine.cpp)
target_compile_definitions(test_engine PRIVATE
  ATELIER_GOLDEN_UNET_DEFAULT="${PROJECT_SOURCE_DIR}/tests/golden/unet_small.golden.safetensors")
