#!/usr/bin/env bash
# Installs the Debian 12 packages xpverify needs to build and test.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	libyaml-dev libxml2-dev libjansson-dev libcurl4-openssl-dev libssl-dev libarchive-dev
	libcmocka-dev gcovr
	libmicrohttpd-dev   # the lab and the WinRM test server
	clang libclang-rt-14-dev   # libFuzzer targets
	libxml2-utils jq   # xmllint and jq for the command-line tests
	python3-winrm openssl curl   # clients we did not write, to test the lab
	python3-yaml   # reads the end-to-end case files
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "ci/deps.sh: all ${#packages[@]} packages present"
	exit 0
fi

echo "ci/deps.sh: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
