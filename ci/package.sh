#!/usr/bin/env bash
# Builds the Debian package: a release build (warnings as errors, no tests)
# and CPack's DEB generator, Depends: from the libraries it links
# (dpkg-shlibdeps). Prints the package's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
(cd build/release && cpack -G DEB >/dev/null)
ls build/release/xpverify_*.deb | tail -1
