# PNG/JPEG reader unit tests (images written with OpenCV).
find_package(OpenCV REQUIRED COMPONENTS core imgcodecs)
atelier_add_test(test_raster SOURCES test_raster.cpp LIBS opencv_core opencv_imgcodecs)
set_target_properties(test_raster PROPERTIES AUTOMOC ON)
target_include_directories(test_raster SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
