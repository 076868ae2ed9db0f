// OpenBLAS's cblas.h, when the build found it (ATELIER_HAVE_BLAS, set per
// source by conv2d_cpu.cmake); nothing otherwise.
#pragma once

#ifndef ATELIER_HAVE_BLAS
#define ATELIER_HAVE_BLAS 0
#endif
#if ATELIER_HAVE_BLAS
// openblas_config.h declares C99 complex types, which clang's -Wpedantic flags.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc99-extensions"
#endif
#include <cblas.h>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
#endif
