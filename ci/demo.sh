#!/usr/bin/env bash
# The demo command: install, build, and run every check of the guide's
# verification section, failover included, against the built-in lab
# (xpverify starts and stops it); then the same for the other design, a
# SafeKit pair (Management Server Failover). Prints where the reports are.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc 2>/dev/null || echo 2)"

out=${XPV_DEMO_OUT:-demo-reports}
echo
echo "== xpverify run scenarios/lab-demo.yaml --out $out"
build/dev/xpverify run scenarios/lab-demo.yaml --out "$out"

echo
echo "== xpverify run scenarios/lab-demo-safekit.yaml --out $out-safekit"
build/dev/xpverify run scenarios/lab-demo-safekit.yaml --out "$out-safekit"
