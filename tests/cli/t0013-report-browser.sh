#!/usr/bin/env bash
# report.html in a real browser (Debian's chromium, headless): a healthy
# run and a failing 5-node run render without a console message, a
# screenshot is taken of each, and the failures section of the page the
# browser built lists exactly the results that failed or errored.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)

# render DIR: DIR/report.html through chromium: DIR/dom.html (the DOM after
# loading), DIR/shot.png (1280 wide), DIR/console.log (what it logged).
render() {
	local home

	home=$(mktemp -d)
	# root needs --no-sandbox; no network: a self-contained page needs none
	HOME=$home timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
		--host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 \
		--dump-dom "file://$PWD/$1/report.html" >"$1/dom.html" 2>"$1/console.log" &&
	HOME=$home timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
		--host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars --window-size=1280,2000 \
		--screenshot="$PWD/$1/shot.png" "file://$PWD/$1/report.html" >/dev/null 2>>"$1/console.log"
	rm -rf "$home"
}

# attention DIR: "check<TAB>target" of every row of the rendered failures section.
attention() {
	/usr/bin/python3 - "$1/dom.html" <<-'EOF'
	import sys
	from html.parser import HTMLParser

	class P(HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.depth = 0      # inside section#attention when > 0
	        self.check = None
	        self.in_h3 = self.in_td = False
	        self.cell = 0
	        self.text = ""
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        if tag == "section" and (self.depth or a.get("id") == "attention"):
	            self.depth += 1
	        if not self.depth:
	            return
	        if tag == "h3":
	            self.in_h3, self.text = True, ""
	        elif tag == "tr":
	            self.cell = 0
	        elif tag == "td":
	            self.cell += 1
	            self.in_td, self.text = self.cell == 1, ""
	    def handle_endtag(self, tag):
	        if not self.depth:
	            return
	        if tag == "section":
	            self.depth -= 1
	        elif tag == "h3" and self.in_h3:
	            self.check, self.in_h3 = self.text.strip(), False
	        elif tag == "td" and self.in_td:
	            print("%s\t%s" % (self.check, self.text.strip()))
	            self.in_td = False
	    def handle_data(self, data):
	        if self.in_h3 or self.in_td:
	            self.text += data

	P().feed(open(sys.argv[1], encoding="utf-8").read())
	EOF
}

# png_size FILE: "WIDTHxHEIGHT" from the PNG header.
png_size() {
	/usr/bin/python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); assert d[:8] == b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}

test_expect_success 'chromium is installed (ci/deps.sh)' '
	test -n "$CHROMIUM"
'

test_expect_success 'a healthy run: rendered, no console message, a screenshot, nothing in the failures section' '
	printf "name: healthy\nlab: %s\nchecks: {exclude: [failover-takeover]}\n" "$XPV_LABS/healthy.yaml" >h.yaml &&
	"$XPV" run h.yaml --out h -q 2>/dev/null &&
	render h &&
	! grep -i "CONSOLE" h/console.log &&
	test "$(png_size h/shot.png)" = 1280x2000 &&
	test "$(stat -c %s h/shot.png)" -gt 20000 &&
	grep -q "Nothing failed and nothing was left unevaluated." h/dom.html &&
	test -z "$(attention h)"
'

test_expect_success 'a failing 5-node run: the failures section lists exactly the failed and errored results' '
	bash "$XPV_SRC/ci/bench/make-lab.sh" 5 >lab5.yaml &&
	cat >>lab5.yaml <<-EOF &&
	faults:
	  - {type: start-mode, node: XPNODE3, service: log_server, mode: Auto}
	  - {type: cert-expired, node: XPNODE5}
	  - {type: node-down, node: XPNODE4}
	EOF
	printf "name: five\nlab: %s\ntls: {require_ip_san: true}\n" "$PWD/lab5.yaml" >f.yaml &&
	expect_code 1 "$XPV" run f.yaml --out f -q 2>/dev/null &&
	render f &&
	! grep -i "CONSOLE" f/console.log &&
	test "$(png_size f/shot.png)" = 1280x2000 &&
	attention f | sort >shown &&
	jq -r ".checks[] | .id as \$c | .results[] | select(.verdict == \"fail\" or .verdict == \"error\") | \"\(\$c)\t\(.target)\"" \
		f/results.json | sort >expected &&
	cat shown &&
	test "$(wc -l <expected)" -ge 5 &&
	diff expected shown
'

test_done
