# DICOM reader unit tests (variants made with GDCM and DCMTK tools).
find_package(OpenCV REQUIRED COMPONENTS core imgcodecs)
atelier_add_test(test_dicom SOURCES test_dicom.cpp LIBS opencv_core opencv_imgcodecs)
set_target_properties(test_dicom PROPERTIES AUTOMOC ON)
target_include_directories(test_dicom SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
