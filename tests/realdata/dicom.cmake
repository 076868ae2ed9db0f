# DICOM reader against ../shared/data/xray.
atelier_add_test(test_dicom_realdata SOURCES test_dicom_realdata.cpp LABELS realdata REALDATA)
set_target_properties(test_dicom_realdata PROPERTIES AUTOMOC ON)
