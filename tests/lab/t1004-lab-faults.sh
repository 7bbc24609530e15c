#!/usr/bin/env bash
# Every fault of the lab is observable from outside, with the tools a user
# would use: WQL, the shell, curl. The cluster's, the role's and the
# login's faults here; a node's own (certificates, WinRM, build, files) in
# t1017.
. "$(dirname "$0")/../cli/lib.sh"

res() { # SERVICE: the cluster's resource state
	wql 127.0.10.1 "select State from MSCluster_Resource where Name = '$1'" root/mscluster | jq -r '.[0].State'
}

LS="Milestone XProtect Log Server"
DC="Milestone XProtect Data Collector Server"
MS="Milestone XProtect Management Server"

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

test_done
