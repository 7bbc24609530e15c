#!/usr/bin/env bash
# Every fault of the lab is observable from outside, with the tools a user
# would use: WQL, the shell, curl, openssl.
. "$(dirname "$0")/../cli/lib.sh"

res() { # SERVICE: the cluster's resource state
	wql 127.0.10.1 "select State from MSCluster_Resource where Name = '$1'" root/mscluster | jq -r '.[0].State'
}

LS="Milestone XProtect Log Server"
DC="Milestone XProtect Data Collector Server"
MS="Milestone XProtect Management Server"

# cert NODE_ADDRESS PORT: the served certificate, as text.
cert() {
	openssl s_client -connect "$1:$2" -servername "$3" </dev/null 2>/dev/null | openssl x509 -noout -text
}

test_expect_success 'start-mode: Auto on the passive node, running there' '
	start_basic_lab "$XPV_LABS/start-mode-auto.yaml" &&
	test "$(svc 127.0.10.2 "$LS")" = Auto/Running &&
	test "$(svc 127.0.10.1 "$LS")" = Manual/Running
'

test_expect_success 'view-out-of-sync: the cluster says Online, the service is stopped' '
	start_basic_lab "$XPV_LABS/view-out-of-sync.yaml" &&
	test "$(res "$DC")" = 2 && test "$(svc 127.0.10.1 "$DC")" = Manual/Stopped
'

test_expect_success 'view-out-of-sync offline: the cluster says Offline, the service runs' '
	start_basic_lab "$XPV_LABS/view-out-of-sync-offline.yaml" &&
	test "$(res "$LS")" = 3 && test "$(svc 127.0.10.1 "$LS")" = Manual/Running
'

test_expect_success 'resource-failed: resource Failed, service stopped, role Partial Online' '
	start_basic_lab "$XPV_LABS/resource-failed.yaml" &&
	test "$(res "$LS")" = 4 && test "$(svc 127.0.10.1 "$LS")" = Manual/Stopped &&
	test "$(wql 127.0.10.1 "select State from MSCluster_ResourceGroup where GroupType = 108" root/mscluster | jq -r ".[0].State")" = 3
'

test_expect_success 'failover-stuck: the role fails when the owner goes; a move is refused' '
	start_basic_lab "$XPV_LABS/failover-stuck.yaml" &&
	soap 127.0.10.2 "$XPV_TEST_DATA/lab/move-role.xml" >move.xml &&
	grep -q "not a possible owner" move.xml &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event role_failed 10 &&
	test "$(wql 127.0.10.2 "select State,OwnerNode from MSCluster_ResourceGroup where GroupType = 108" root/mscluster | jq -r ".[0].State")" = 2 &&
	test "$(lab_events owner_changed | wc -l)" = 0
'

test_expect_success 'failover-slow: each resource takes 4 s longer on the new owner' '
	start_basic_lab "$XPV_LABS/failover-slow.yaml" &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event role_online 30 &&
	t=$(jq -s "(map(select(.event == \"role_online\"))[0].t_us - map(select(.event == \"owner_changed\"))[0].t_us) / 1000 | floor" lab-events.jsonl) &&
	test "$t" -ge 12000
'

test_expect_success 'service-left-running: after a move the old owner still runs the Data Collector' '
	start_basic_lab "$XPV_LABS/service-left-running.yaml" &&
	soap 127.0.10.2 "$XPV_TEST_DATA/lab/move-role.xml" >/dev/null &&
	wait_event move_done 10 &&
	test "$(svc 127.0.10.1 "$DC")" = Manual/Running &&
	test "$(svc 127.0.10.2 "$DC")" = Manual/Running &&
	test "$(svc 127.0.10.1 "$MS")" = Manual/Stopped
'

test_expect_success 'role-address-stuck: after a move the address stays behind and login fails' '
	start_basic_lab "$XPV_LABS/role-address-stuck.yaml" &&
	soap 127.0.10.2 "$XPV_TEST_DATA/lab/move-role.xml" >/dev/null &&
	wait_event move_done 10 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		"https://$ROLE_HOST:$HTTPS_PORT/api/.well-known/uris")" = 503 &&
	test "$(lab_events address_bound | jq -r .node | tail -1)" = XPNODE1
'

test_expect_success 'login-rejected and login-error' '
	start_basic_lab "$XPV_LABS/login-rejected.yaml" &&
	test "$(login "$LAB_LOGIN_USER" "$LAB_LOGIN_PASSWORD" | jq -r .error)" = invalid_grant &&
	start_basic_lab "$XPV_LABS/login-error.yaml" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		-d grant_type=password -d "username=$LAB_LOGIN_USER" -d "password=$LAB_LOGIN_PASSWORD" \
		-d client_id=GrantValidatorClient "https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token")" = 500
'

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
