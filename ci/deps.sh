#!/usr/bin/env bash
# Installs the Debian 12 packages xpverify needs to build and test.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	dpkg-dev lintian   # dpkg-shlibdeps for the Debian package's Depends (ci/package.sh); lintian checks it
	libyaml-dev libxml2-dev libjansson-dev libcurl4-openssl-dev libssl-dev libarchive-dev
	libcmocka-dev gcovr
	libmicrohttpd-dev   # the lab and the WinRM test server
	clang libclang-rt-14-dev   # libFuzzer targets
	libxml2-utils jq   # xmllint and jq for the command-line tests
	python3-winrm openssl curl   # clients we did not write, to test the lab
	python3-yaml   # reads the end-to-end case files
	python3-jsonschema   # validates every results.json against docs/results.schema.json
	unixodbc-dev libsqliteodbc   # the run history over ODBC; SQLite is the default store
	odbc-postgresql postgresql sqlite3   # PostgreSQL history test (a throwaway server); sqlite3 reads stores in tests
	groff-base bsdextrautils   # render the man page in its test (groff, col)
	libkrb5-dev gss-ntlmssp gss-ntlmssp-dev   # Kerberos and NTLM through GSSAPI (client and lab)
	krb5-kdc krb5-admin-server krb5-user   # the lab's KDC (krb5kdc, kdb5_util, kadmin.local); kinit/klist in tests
	python3-requests-ntlm python3-requests-kerberos   # pywinrm's ntlm and kerberos transports, to test the lab
	tcpdump   # captures loopback traffic in the message-encryption test
	libfaketime   # the lab KDC of the clock-skew fault runs 10 minutes ahead
	chromium   # renders report.html headless in its test (screenshot, console, the failures shown)
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "ci/deps.sh: all ${#packages[@]} packages present"
else
	echo "ci/deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The ODBC drivers the history uses, by the names scenarios give
# (Driver=SQLite3, Driver=PostgreSQL Unicode). Debian's packages register
# them; a machine where that was undone gets them registered again.
register_driver() { # NAME TEMPLATE
	if ! odbcinst -q -d -n "$1" >/dev/null 2>&1; then
		echo "ci/deps.sh: registering the ODBC driver $1"
		$sudo odbcinst -i -d -f "$2" >/dev/null
	fi
}
register_driver SQLite3 /usr/share/sqliteodbc/unixodbc.ini
register_driver "PostgreSQL Unicode" /usr/share/psqlodbc/odbcinst.ini.template
