# Test library for the command-line tests, in the manner of git's t/:
# every step inside test_expect_success, TAP output, a missing
# prerequisite skips visibly. Source it, then call test_done at the end.
set -u

: "${XPV:?XPV must name the xpverify binary}"
: "${XPV_TEST:?XPV_TEST must name the xpverify-test binary}"
: "${XPV_TEST_DATA:?}"
: "${XPV_SRC:?}"

test_count=0
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/xpv-cli-XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1

# test_expect_success DESCRIPTION BODY
test_expect_success() {
	test_count=$((test_count + 1))
	if (set -e; eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
		test_failed=$((test_failed + 1))
	fi
}

# test_skip DESCRIPTION WHY
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

test_done() {
	echo "1..$test_count"
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# expect_code WANT CMD...: runs CMD, fails unless it exits WANT.
expect_code() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

# A two-node scenario for the test checks; extra YAML lines from stdin.
write_scenario() {
	{
		cat <<YAML
name: cli test
cluster: {name: xpcluster, role: ms-role, address: 'https://ms-role.lab.local'}
nodes:
  - {name: node1, host: 127.0.10.1}
  - {name: node2, host: 127.0.10.2}
YAML
		cat
	} >"$1"
}

# wait_for FILE PATTERN [SECONDS]: waits until FILE contains PATTERN.
wait_for() {
	for _ in $(seq 1 $((${3:-10} * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1" >&2
	return 1
}

# json_get FILE FILTER: a value from a JSON file (jq).
json_get() {
	jq -r "$2" "$1"
}
