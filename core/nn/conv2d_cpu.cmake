# Fast CPU convolutions (im2col + SGEMM), bias + activation and the thread
# pool for the training engine's CPU backend; included by
# core/nn/CMakeLists.txt. Uses OpenBLAS when found (single-threaded on blocks
# the pool splits), else a built-in blocked, threaded SGEMM.
option(ATELIER_WITH_BLAS "Use OpenBLAS for the CPU convolutions when found" ON)

set(_atelier_conv_src ${CMAKE_CURRENT_SOURCE_DIR}/bias_activation_cpu.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/conv2d_cpu.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/conv2d_direct.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/conv2d_winograd.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/conv2d_winograd_filter.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/plane_ops_cpu.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/sgemm_cpu.cpp
                      ${CMAKE_CURRENT_SOURCE_DIR}/cpu_pool.cpp)
target_sources(atelier_core PRIVATE ${_atelier_conv_src})
find_package(Threads REQUIRED)
target_link_libraries(atelier_core PRIVATE Threads::Threads)

set(_atelier_have_blas 0)
if(ATELIER_WITH_BLAS)
  set(BLA_VENDOR OpenBLAS)
  find_package(BLAS QUIET)
  unset(BLA_VENDOR)
  if(BLAS_FOUND)
    # FindBLAS gives no include directory. Debian keeps OpenBLAS's cblas.h
    # (which declares openblas_get_num_threads) next to the pthread variant.
    set(_atelier_blas_hints "")
    foreach(lib ${BLAS_LIBRARIES})
      get_filename_component(_dir "${lib}" DIRECTORY)
      get_filename_component(_name "${_dir}" NAME)
      list(APPEND _atelier_blas_hints "${_dir}/../../include/${_name}" "${_dir}/../include"
           "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/${_name}")
    endforeach()
    find_path(ATELIER_CBLAS_INCLUDE_DIR cblas.h
      HINTS ${_atelier_blas_hints}
      PATH_SUFFIXES openblas-pthread openblas
                    ${CMAKE_LIBRARY_ARCHITECTURE}/openblas-pthread
                    ${CMAKE_LIBRARY_ARCHITECTURE}/openblas
      DOC "Directory of OpenBLAS's cblas.h")
    if(ATELIER_CBLAS_INCLUDE_DIR)
      file(STRINGS "${ATELIER_CBLAS_INCLUDE_DIR}/cblas.h" _atelier_openblas_decl
           REGEX "openblas_get_num_threads")
      if(_atelier_openblas_decl)
        set(_atelier_have_blas 1)
      endif()
    endif()
  endif()
endif()

if(_atelier_have_blas)
  set_property(SOURCE ${_atelier_conv_src} TARGET_DIRECTORY atelier_core APPEND PROPERTY
               INCLUDE_DIRECTORIES ${ATELIER_CBLAS_INCLUDE_DIR})
  target_link_libraries(atelier_core PRIVATE ${BLAS_LIBRARIES})
  message(STATUS "CPU convolutions: OpenBLAS (${BLAS_LIBRARIES}, ${ATELIER_CBLAS_INCLUDE_DIR})")
else()
  message(STATUS "CPU convolutions: built-in SGEMM (OpenBLAS off or not found)")
endif()
set_property(SOURCE ${_atelier_conv_src} TARGET_DIRECTORY atelier_core APPEND PROPERTY
             COMPILE_DEFINITIONS ATELIER_HAVE_BLAS=${_atelier_have_blas})
