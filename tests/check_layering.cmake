# Fails when core/ or kernels/ include Qt or VTK headers (DESIGN.md layers):
# the trainer on a cluster node links core and kernels without either.
# Run as: cmake -DSOURCE_DIR=<repo> -P check_layering.cmake
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/core/*.h ${SOURCE_DIR}/core/*.cpp
  ${SOURCE_DIR}/kernels/*.h ${SOURCE_DIR}/kernels/*.cpp ${SOURCE_DIR}/kernels/*.cu
  ${SOURCE_DIR}/kernels/*.cuh)
set(bad "")
foreach(f ${sources})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Z]|Qt[A-Z]|qt|vtk)")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n" text)
  message(FATAL_ERROR "core/ and kernels/ must not include Qt or VTK:\n${text}")
endif()
list(LENGTH sources n)
message(STATUS "layering: ${n} files in core/ and kernels/ include no Qt or VTK")
