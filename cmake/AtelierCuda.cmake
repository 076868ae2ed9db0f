# CUDA is optional: with nvcc present the kernels build; without it everything
# else builds and the CPU backend is used.
set(ATELIER_HAVE_CUDA OFF)
if(NOT ATELIER_WITH_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED ATELIER_CUDA_ARCHITECTURES)
      # Default: the local GPU's compute capability, else Hopper code plus
      # compute_80 PTX that the driver compiles for any newer GPU (A100,
      # RTX 30/40, L40...: a build made on a login node without a GPU runs on
      # the cluster's) and compute_75 PTX for Turing (RTX 20, T4, Quadro
      # RTX), which runs fp16 and fp32 (no bf16 tensor cores there). Older
      # GPUs are refused at run time with a message.
      set(_arch "75-virtual;80-virtual;90-real")
      find_program(_nvidia_smi nvidia-smi)
      if(_nvidia_smi)
        execute_process(COMMAND ${_nvidia_smi} --query-gpu=compute_cap --format=csv,noheader
                        OUTPUT_VARIABLE _caps RESULT_VARIABLE _rc ERROR_QUIET
                        OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(_rc EQUAL 0 AND _caps MATCHES "^([0-9]+)\\.([0-9]+)")
          set(_arch "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
        endif()
      endif()
      set(ATELIER_CUDA_ARCHITECTURES ${_arch} CACHE STRING "CUDA architectures to build for")
    elseif(ATELIER_CUDA_ARCHITECTURES STREQUAL "80-virtual;90-real")
      # A build folder configured with the earlier default gains Turing.
      set(ATELIER_CUDA_ARCHITECTURES "75-virtual;80-virtual;90-real" CACHE STRING
          "CUDA architectures to build for" FORCE)
    endif()
    set(CMAKE_CUDA_ARCHITECTURES ${ATELIER_CUDA_ARCHITECTURES})
    enable_language(CUDA)
    # CMake 3.25 cannot ask nvcc for C++20; kernels are plain C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(ATELIER_HAVE_CUDA ON)
    message(STATUS "Atelier: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  elseif(ATELIER_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ATELIER_WITH_CUDA=ON but no CUDA compiler (nvcc) was found")
  else()
    message(STATUS "Atelier: no CUDA compiler found; building the CPU backend only")
  endif()
endif()
