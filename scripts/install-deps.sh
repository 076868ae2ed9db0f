#!/usr/bin/env bash
# Installs every Debian 12 package Atelier needs to build, test and run.
# Idempotent: prints nothing and installs nothing when all are present.
# Works as root or through sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  clang-format
  # Qt 6 (widgets, OpenGL widgets, charts, test)
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-charts-dev
  libgl-dev libglx-dev
  # VTK 9 (its CMake config needs MPI's C bindings found first)
  libvtk9-dev libopenmpi-dev libx11-dev
  # formats
  libsqlite3-dev libtiff-dev libzstd-dev zlib1g-dev libgdal-dev libgdcm-dev
  libopencv-dev libnifti2-dev nlohmann-json3-dev
  # FFTs for power spectra (single-precision real transforms)
  libfftw3-dev
  # CPU training backend (threaded BLAS for im2col convolutions)
  libopenblas-dev
  # independent writers the tests use to make format variants
  gdal-bin libgdcm-tools dcmtk
  # GUI tests without a display
  xvfb xauth libgl1-mesa-dri mesa-utils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
