# Warnings, ccache and sanitizers for every Atelier target.
find_program(ATELIER_CCACHE ccache)
if(ATELIER_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${ATELIER_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ATELIER_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${ATELIER_CCACHE})
endif()

add_library(atelier_warnings INTERFACE)
add_library(atelier::warnings ALIAS atelier_warnings)
target_compile_options(atelier_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>
  # GCC 12 reports false -Wrestrict positives inside std::string's operator+
  # at -O3 (GCC bug 105329).
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wno-restrict>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${ATELIER_WARNINGS_AS_ERRORS}>>:-Werror>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${ATELIER_WARNINGS_AS_ERRORS}>>:-Werror=all-warnings>)

if(ATELIER_SANITIZE)
  add_compile_options(-fsanitize=${ATELIER_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${ATELIER_SANITIZE})
endif()
