# Finds cuDNN for atelier_kernels (included from kernels/CMakeLists.txt after
# CUDAToolkit was found). Looks in CUDNN_ROOT (cache variable or environment;
# a pip wheel's site-packages/nvidia/cudnn with only libcudnn.so.9 works),
# then beside the CUDA toolkit. Sets ATELIER_HAVE_CUDNN and, when found, the
# imported target atelier::cudnn. Without cuDNN the kernels build without
# the convolution and a status message says so.
set(CUDNN_ROOT "$ENV{CUDNN_ROOT}" CACHE PATH "cuDNN install prefix (with include/ and lib/)")

set(_atelier_cudnn_hints)
foreach(_root IN ITEMS "${CUDNN_ROOT}" "$ENV{CUDNN_ROOT}")
  if(_root)
    list(APPEND _atelier_cudnn_hints "${_root}")
  endif()
endforeach()
set(_atelier_cuda_dirs ${CUDAToolkit_INCLUDE_DIRS} ${CUDAToolkit_LIBRARY_DIR})
if(CUDAToolkit_LIBRARY_ROOT)
  list(APPEND _atelier_cuda_dirs "${CUDAToolkit_LIBRARY_ROOT}")
endif()

find_path(ATELIER_CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${_atelier_cudnn_hints} ${_atelier_cuda_dirs}
  PATH_SUFFIXES include)
# The wheel ships libcudnn.so.9 without the unversioned link name; NAMES_PER_DIR
# keeps the library beside the header found in CUDNN_ROOT.
find_library(ATELIER_CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 NAMES_PER_DIR
  HINTS ${_atelier_cudnn_hints} ${_atelier_cuda_dirs}
  PATH_SUFFIXES lib lib64 lib/x64 targets/x86_64-linux/lib)

set(ATELIER_HAVE_CUDNN OFF)
if(ATELIER_CUDNN_INCLUDE_DIR AND ATELIER_CUDNN_LIBRARY)
  set(_ver_header "${ATELIER_CUDNN_INCLUDE_DIR}/cudnn_version.h")
  if(NOT EXISTS "${_ver_header}")
    set(_ver_header "${ATELIER_CUDNN_INCLUDE_DIR}/cudnn.h")
  endif()
  file(STRINGS "${_ver_header}" _ver_lines REGEX "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
  set(ATELIER_CUDNN_VERSION "")
  foreach(_part MAJOR MINOR PATCHLEVEL)
    string(REGEX MATCH "CUDNN_${_part} +([0-9]+)" _m "${_ver_lines}")
    list(APPEND ATELIER_CUDNN_VERSION "${CMAKE_MATCH_1}")
  endforeach()
  list(JOIN ATELIER_CUDNN_VERSION "." ATELIER_CUDNN_VERSION)
  if(ATELIER_CUDNN_VERSION VERSION_LESS 8.0)
    message(STATUS "Atelier: cuDNN ${ATELIER_CUDNN_VERSION} at ${ATELIER_CUDNN_LIBRARY} is older "
                   "than 8; building the kernels without convolution")
  else()
    set(ATELIER_HAVE_CUDNN ON)
    if(NOT TARGET atelier::cudnn)
      add_library(atelier::cudnn UNKNOWN IMPORTED GLOBAL)
      set_target_properties(atelier::cudnn PROPERTIES
        IMPORTED_LOCATION "${ATELIER_CUDNN_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${ATELIER_CUDNN_INCLUDE_DIR}")
    endif()
    message(STATUS "Atelier: cuDNN ${ATELIER_CUDNN_VERSION} (${ATELIER_CUDNN_LIBRARY})")
  endif()
else()
  message(STATUS "Atelier: cuDNN not found (set CUDNN_ROOT); building the kernels without "
                 "convolution")
endif()
