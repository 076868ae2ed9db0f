# Quality metrics, power spectrum and thumbnail tests (OpenCV for blurring,
# FFT-based synthesis and reading PNGs back).
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
atelier_add_test(test_metrics SOURCES test_metrics.cpp
                 LIBS opencv_core opencv_imgproc opencv_imgcodecs)
target_include_directories(test_metrics SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
# Movie drift measured against the simulator's known drifts.
atelier_add_test(test_movie_drift SOURCES test_movie_drift.cpp)
# Exposure weighting of movie frames, on a movie fading by the damage model.
atelier_add_test(test_dose_weighting SOURCES test_dose_weighting.cpp)
# Drift-corrected sums and halves against the simulator's true-drift ones.
atelier_add_test(test_movie_align SOURCES test_movie_align.cpp REALDATA)
