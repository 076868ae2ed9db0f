# Denoise recipe data side: pair lists, loading, crops, loader, simulator, PSNR.
atelier_add_test(test_denoise_data SOURCES test_denoise_data.cpp)
