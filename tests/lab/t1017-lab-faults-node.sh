#!/usr/bin/env bash
# A node's own faults are observable from outside, with the tools a user
# would use: openssl, curl, WQL, the shell (the cluster's in t1004).
. "$(dirname "$0")/../cli/lib.sh"

# cert NODE_ADDRESS PORT: the served certificate, as text.
cert() {
	openssl s_client -connect "$1:$2" -servername "$3" </dev/null 2>/dev/null | openssl x509 -noout -text
}

test_expect_success 'certificate faults show in openssl' '
	start_basic_lab "$XPV_LABS/cert-missing-cluster-name.yaml" &&
	cert 127.0.10.100 "$HTTPS_PORT" "$ROLE_HOST" >c.txt && ! grep -q "DNS:ms-role.lab.local" c.txt && grep -q "DNS:ms-role," c.txt &&
	start_basic_lab "$XPV_LABS/cert-missing-node-ip.yaml" &&
	cert 127.0.10.2 "$HTTPS_PORT" x >c.txt && ! grep -q "IP Address:127.0.10.2" c.txt &&
	cert 127.0.10.1 "$HTTPS_PORT" x >c.txt && grep -q "IP Address:127.0.10.1" c.txt &&
	start_basic_lab "$XPV_LABS/cert-expired.yaml" &&
	! openssl s_client -connect 127.0.10.1:$HTTPS_PORT -CAfile lab-state/ca.pem -verify_return_error </dev/null >v.txt 2>&1 &&
	grep -q "certificate has expired" v.txt &&
	start_basic_lab "$XPV_LABS/cert-not-yet-valid.yaml" &&
	! openssl s_client -connect 127.0.10.2:$HTTPS_PORT -CAfile lab-state/ca.pem -verify_return_error </dev/null >v.txt 2>&1 &&
	grep -q "certificate is not yet valid" v.txt &&
	start_basic_lab "$XPV_LABS/cert-wrong-ca.yaml" &&
	! openssl s_client -connect 127.0.10.2:$HTTPS_PORT -CAfile lab-state/ca.pem -verify_return_error </dev/null >v.txt 2>&1 &&
	grep -q "unable to get local issuer certificate" v.txt &&
	start_basic_lab "$XPV_LABS/cert-weak-key.yaml" &&
	cert 127.0.10.1 "$HTTPS_PORT" x | grep -q "Public-Key: (1024 bit)"
'

test_expect_success 'node-unreachable: nothing answers, the cluster says Up' '
	start_basic_lab "$XPV_LABS/node-unreachable.yaml" &&
	expect_code 3 "$XPV" probe wql --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem "select Name from Win32_Service" 2>err &&
	grep -q "connection failed" err &&
	test "$(wql 127.0.10.1 "select State from MSCluster_Node where Name = '"'"'XPNODE2'"'"'" root/mscluster | jq -r ".[0].State")" = 0 &&
	test "$(jq ".nodes[1].reachable" lab-state/ready.json)" = false
'

test_expect_success 'winrm-401, winrm-slow, winrm-malformed on XPNODE2 only' '
	start_basic_lab "$XPV_LABS/winrm-401.yaml" &&
	expect_code 3 "$XPV" probe wql --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem "select Name from Win32_Service" 2>err &&
	grep -q "HTTP 401" err && wql 127.0.10.1 "select Name from Win32_Service" >/dev/null &&
	start_basic_lab "$XPV_LABS/winrm-slow.yaml" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --max-time 2 --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @"$XPV_TEST_DATA/lab/enumerate-services.xml" \
		https://127.0.10.2:$WINRM_PORT/wsman)" = 000 &&
	start_basic_lab "$XPV_LABS/winrm-malformed.yaml" &&
	expect_code 3 "$XPV" probe wql --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem "select Name from Win32_Service" 2>err &&
	grep -q "malformed XML" err && wql 127.0.10.1 "select Name from Win32_Service" >/dev/null
'

test_expect_success 'SIGTERM during a 30 s slow answer stops the lab within 2 s (issue 12, item 6)' '
	printf "base: %s\nfaults:\n  - {type: winrm-slow, node: XPNODE2, delay_ms: 30000}\n" \
		"$XPV_LABS/healthy.yaml" >slow30.yaml &&
	start_basic_lab slow30.yaml &&
	(curl -s -o /dev/null --max-time 40 --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" \
		--data-binary @"$XPV_TEST_DATA/lab/enumerate-services.xml" https://127.0.10.2:$WINRM_PORT/wsman &) &&
	sleep 1 &&
	pid=$(lab_pid) && start=$(date +%s%N) &&
	kill -TERM "$pid" &&
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done &&
	! kill -0 "$pid" 2>/dev/null &&
	test $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000
'

test_expect_success 'os-build: XPNODE2 reports another build' '
	start_basic_lab "$XPV_LABS/os-build.yaml" &&
	test "$(wql 127.0.10.1 "select BuildNumber from Win32_OperatingSystem" | jq -r ".[0].BuildNumber")" = 20348 &&
	test "$(wql 127.0.10.2 "select BuildNumber from Win32_OperatingSystem" | jq -r ".[0].BuildNumber")" = 17763
'

test_expect_success 'a node can hold other files than the defaults' '
	sed -e "s/^  - {name: XPNODE2, address: 127.0.10.2}$/  - name: XPNODE2\n    address: 127.0.10.2\n    files: {'"'"'C:\\\\Temp\\\\x.txt'"'"': hello}/" \
		"$XPV_LABS/healthy.yaml" >files.yaml &&
	start_basic_lab files.yaml &&
	test "$("$XPV" probe exec --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem -- type "c:\\temp\\X.TXT")" = hello &&
	expect_code 1 "$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- type "C:\\Temp\\x.txt" 2>err &&
	grep -q "cannot find the path" err
'

test_done
