#!/usr/bin/env bash
# On a terminal: a live progress line and coloured verdict words; NO_COLOR
# and --no-color turn colour off. script(1) provides the terminal.
. "$(dirname "$0")/lib.sh"

if ! command -v script >/dev/null; then
	test_skip 'terminal output' 'script(1) is not installed'
	test_done
	exit
fi

# on_tty OUTFILE CMD...: runs CMD with a pseudo-terminal on stdin/stdout/stderr.
on_tty() {
	out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null >"$out" </dev/null || true
}

esc=$(printf '\033')

test_expect_success 'progress line and colour on a terminal' '
	write_scenario s.yaml <<-YAML &&
	checks: {params: {t-nodes: {sleep_ms: 400, fail_node: node2}}}
	YAML
	unset NO_COLOR &&
	on_tty tty.out "$XPV_TEST" run s.yaml --out r &&
	grep -q "\[1/2\] t-nodes" tty.out &&
	grep -q "${esc}\[K" tty.out &&
	grep -q "${esc}\[32mpass" tty.out &&
	grep -q "${esc}\[31;1mfail" tty.out &&
	! grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T" tty.out
'

test_expect_success 'NO_COLOR and --no-color: no colour, progress still shown' '
	NO_COLOR=1 on_tty nc.out "$XPV_TEST" run s.yaml --out r &&
	! grep -q "${esc}\[3[0-9]" nc.out &&
	grep -q "\[1/2\] t-nodes" nc.out &&
	on_tty nc2.out "$XPV_TEST" run s.yaml --out r --no-color &&
	! grep -q "${esc}\[3[0-9]" nc2.out
'

test_expect_success '-q on a terminal: no progress line' '
	on_tty q.out "$XPV_TEST" run s.yaml --out r -q &&
	! grep -q "\[1/2\]" q.out &&
	grep -q "^done: " q.out
'

test_done
