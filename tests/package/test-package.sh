#!/usr/bin/env bash
# The Debian package, as a user gets it: built by ci/package.sh, extracted
# into a fresh root, and the demo run from the installed paths only (from
# another directory, nothing of the source tree on the way): the built-in
# lab is the packaged xplab next to the packaged xpverify, the scenario and
# the lab file are those of /usr/share/xpverify.
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
fails=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		fails=$((fails + 1))
	fi
}

deb=$(bash ci/package.sh | tail -1) || { echo "not ok - the package builds"; exit 1; }
echo "ok - the package builds: $deb"
root=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$root" "$work"' EXIT
dpkg-deb -x "$deb" "$root"

# Debian's own checks; the package test runs as root in CI, which lintian only warns about
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges is not recommended" >"$root.lintian"
check "lintian reports nothing: $(tr '\n' ' ' <"$root.lintian")" test ! -s "$root.lintian"
rm -f "$root.lintian"
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends: names the libraries it links (shlibdeps) and the NTLM mechanism: $depends" \
	bash -c '[[ "$1" == *libcurl4* && "$1" == *libgssapi-krb5-2* && "$1" == *libjansson4* && "$1" == *gss-ntlmssp* ]]' _ "$depends"
for f in usr/bin/xpverify usr/bin/xplab usr/share/man/man1/xpverify.1.gz usr/share/man/man1/xplab.1.gz \
	usr/share/doc/xpverify/copyright usr/share/doc/xpverify/changelog.gz \
	usr/share/doc/xpverify/README.md usr/share/doc/xpverify/checks.md usr/share/xpverify/scenarios/lab-demo.yaml \
	usr/share/xpverify/fixtures/labs/healthy.yaml usr/share/bash-completion/completions/xpverify; do
	check "/$f is in the package" test -s "$root/$f"
done
check "the man page is gzip'd and renders" bash -c 'gzip -dc "$1" | groff -man -Tutf8 -ww -z' _ "$root/usr/share/man/man1/xpverify.1.gz"
check "the bash completion loads and completes commands" bash -c '
	. "$1" && complete -p xpverify >/dev/null &&
	COMP_WORDS=(xpverify dis) COMP_CWORD=1 && _xpverify && [ "${COMPREPLY[*]}" = discover ]' _ \
	"$root/usr/share/bash-completion/completions/xpverify"
check "no file of the package names the source tree" bash -c '! grep -rqF "$1" "$2/usr/share"' _ "$src" "$root"

# the demo from the installed paths: another directory, no XPV_XPLAB
cd "$work"
env -u XPV_XPLAB "$root/usr/bin/xpverify" run "$root/usr/share/xpverify/scenarios/lab-demo.yaml" --out "$work/r" -q \
	>"$work/demo.log" 2>&1
code=$?
check "the demo runs from the installed paths and passes (exit $code)" test "$code" = 0
check "every check of the demo passes or is skipped" \
	bash -c '[ "$(jq -r "[.checks[].verdict] | unique | join(\",\")" "$1")" = "pass,skip" ]' _ "$work/r/results.json"
[ "$code" = 0 ] || tail -20 "$work/demo.log"
env -u XPV_XPLAB "$root/usr/bin/xpverify" run "$root/usr/share/xpverify/scenarios/lab-demo-safekit.yaml" \
	--out "$work/rs" -q >"$work/demo-safekit.log" 2>&1
code=$?
check "the SafeKit demo runs from the installed paths and passes (exit $code)" test "$code" = 0
[ "$code" = 0 ] || tail -20 "$work/demo-safekit.log"
echo "$fails failed"
[ "$fails" -eq 0 ]
