#!/usr/bin/env bash
# A 64-node lab starts and every node answers; many clients at once get
# what they asked for, without errors. (Start-up time is measured by
# ci/bench/lab-start.sh and written in docs/PERFORMANCE.md, not asserted.)
. "$(dirname "$0")/../cli/lib.sh"

# names NODE_ADDRESS WQL: the Name of every instance a hand-written
# WS-Management Enumerate of WQL gets back, posted with curl (soap, a client
# we did not write, and cheap beside an ASan build of xpverify).
names() {
	sed "s/select \* from Win32_Service where Name = 'Milestone XProtect Log Server'/$2/" \
		"$XPV_TEST_DATA/lab/enumerate-services.xml" | soap "$1" /dev/stdin |
		grep -oE "<(p:)?Name>[^<]*" | sed -E "s/^<(p:)?Name>//" # a select list answers unprefixed
}
export -f names soap

test_expect_success 'a 64-node lab starts; every node answers WinRM and HTTPS' '
	bash "$XPV_SRC/ci/bench/make-lab.sh" 64 >lab64.yaml &&
	start_basic_lab lab64.yaml &&
	test "$(jq ".nodes | length" lab-state/ready.json)" = 64 &&
	for i in $(seq 1 64); do
		names "127.0.10.$i" "select Name from Win32_ComputerSystem"
	done >names &&
	test "$(sort -u names | wc -l)" = 64 &&
	test "$(head -1 names)" = XPNODE1 && test "$(tail -1 names)" = XPNODE64 &&
	openssl s_client -connect 127.0.10.64:$HTTPS_PORT -CAfile lab-state/ca.pem -verify_return_error </dev/null >/dev/null 2>&1
'

# The many WinRM clients are curl; 32 probes at once show xpverify's side.
test_expect_success '32 clients at once, 400 requests: WinRM queries and logins all succeed' '
	start_basic_lab "$XPV_LABS/healthy.yaml" &&
	export WINRM_PORT &&
	seq 1 200 | xargs -P 32 -I{} bash -c "names 127.0.10.\$(({} % 2 + 1)) \"select * from Win32_Service where Name like '"'"'Milestone%'"'"'\" | wc -l" >counts 2>errs &&
	test "$(sort -u counts)" = 3 && test "$(wc -l <counts)" = 200 && test ! -s errs &&
	seq 1 32 | xargs -P 32 -I{} sh -c "\"$XPV\" probe wql --host 127.0.10.\$(({} % 2 + 1)):$WINRM_PORT --ca lab-state/ca.pem \
		\"select Name,State from Win32_Service where Name like '"'"'Milestone%'"'"'\" | jq length" >counts 2>errs &&
	test "$(sort -u counts)" = 3 && test "$(wc -l <counts)" = 32 && test ! -s errs &&
	seq 1 200 | xargs -P 32 -I{} sh -c "curl -sS --cacert lab-state/ca.pem --resolve $ROLE_PIN \
		-d grant_type=password -d username=$LAB_LOGIN_USER -d password=$LAB_LOGIN_PASSWORD -d client_id=GrantValidatorClient \
		https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token | jq -r .token_type" >types 2>errs &&
	test "$(sort -u types)" = Bearer && test "$(wc -l <types)" = 200 && test ! -s errs
'

test_done
