#!/usr/bin/env bash
# The man page renders without warnings and keeps up with the program:
# every command of 'xpverify --help' and every long option of every
# command's help is in it.
. "$(dirname "$0")/lib.sh"

MAN=$XPV_SRC/docs/xpverify.1

# in_man TEXT: TEXT is in the page, its hyphens written as roff writes them
in_man() {
	grep -qF -- "$(printf '%s' "$1" | sed 's/-/\\-/g')" "$MAN"
}

test_expect_success 'the man page renders without a warning' '
	groff -man -Tutf8 -ww -z "$MAN" 2>err &&
	test ! -s err &&
	groff -man -Tutf8 "$MAN" 2>/dev/null | col -b >man.txt &&
	grep -q "^EXIT STATUS" man.txt
'

test_expect_success 'every command and every long option is documented' '
	"$XPV" --help | sed -n "/^Commands:/,/^$/p" | awk "NR > 1 && NF { print \$1 }" >commands &&
	test "$(wc -l <commands)" -ge 7 &&
	missing= &&
	for cmd in $(cat commands); do
		in_man ".B xpverify $cmd" || in_man ".B $cmd" || missing="$missing $cmd"
		"$XPV" help "$cmd" | grep -o -- "--[a-z][a-z-]*" | sort -u >>options
	done &&
	for opt in $(sort -u options); do
		in_man "$opt" || missing="$missing $opt"
	done &&
	{ test -z "$missing" || { echo "not in docs/xpverify.1:$missing"; exit 1; }; }
'

test_done
