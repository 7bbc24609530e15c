#!/usr/bin/env bash
# Faults combine, each observed from outside; a combination the lab cannot
# honour is refused. A restarted node and the failover it causes run on
# their own timelines: the node is back reboot_ms after the command even
# while the role is still starting elsewhere.
. "$(dirname "$0")/../cli/lib.sh"

res() { # SERVICE: the cluster's resource state
	wql 127.0.10.2 "select State from MSCluster_Resource where Name = '$1'" root/mscluster | jq -r '.[0].State'
}

LS="Milestone XProtect Log Server"
DC="Milestone XProtect Data Collector Server"

# lab_with FAULT...: healthy.yaml with these faults (YAML flow mappings),
# Basic enabled for the probe.
lab_with() {
	{
		printf "base: %s\nfaults:\n  - {type: winrm-basic-enabled}\n" "$XPV_LABS/healthy.yaml"
		for f in "$@"; do printf "  - %s\n" "$f"; done
	} >combined.yaml
}

test_expect_success 'two view-out-of-sync faults: both resources report the state they were given' '
	lab_with "{type: view-out-of-sync, service: data_collector, state: online}" \
		"{type: view-out-of-sync, service: log_server, state: offline}" &&
	start_lab combined.yaml &&
	echo "DC $(res "$DC") $(svc 127.0.10.1 "$DC"), LS $(res "$LS") $(svc 127.0.10.1 "$LS")" &&
	test "$(res "$DC")" = 2 && test "$(svc 127.0.10.1 "$DC")" = Manual/Stopped &&
	test "$(res "$LS")" = 3 && test "$(svc 127.0.10.1 "$LS")" = Manual/Running
'

test_expect_success 'two resource-failed faults: both resources Failed, both services stopped' '
	lab_with "{type: resource-failed, service: data_collector}" "{type: resource-failed, service: log_server}" &&
	start_lab combined.yaml &&
	test "$(res "$DC")" = 4 && test "$(svc 127.0.10.1 "$DC")" = Manual/Stopped &&
	test "$(res "$LS")" = 4 && test "$(svc 127.0.10.1 "$LS")" = Manual/Stopped
'

test_expect_success 'two service-left-running faults: after a move both services still run on the old owner' '
	lab_with "{type: service-left-running, service: data_collector}" \
		"{type: service-left-running, service: log_server}" &&
	start_lab combined.yaml &&
	curl -sS --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @"$XPV_TEST_DATA/lab/move-role.xml" \
		"https://127.0.10.2:$WINRM_PORT/wsman" >move.xml &&
	wait_event move_done 30 &&
	echo "DC $(svc 127.0.10.1 "$DC"), LS $(svc 127.0.10.1 "$LS")" &&
	test "$(svc 127.0.10.1 "$DC")" = Manual/Running && test "$(svc 127.0.10.1 "$LS")" = Manual/Running &&
	test "$(svc 127.0.10.2 "$DC")" = Manual/Running
'
stop_lab

test_expect_success 'the same fault twice, or Failed and out of sync on one service: refused, exit 2' '
	lab_with "{type: view-out-of-sync, service: log_server, state: online}" \
		"{type: view-out-of-sync, service: log_server, state: offline}" &&
	expect_code 2 "$XPLAB" combined.yaml 2>err && cat err &&
	grep -q "^combined.yaml:5:1: faults\[2\]: fault view-out-of-sync is given twice for the same service (line 4)" err &&
	lab_with "{type: resource-failed, service: log_server}" \
		"{type: view-out-of-sync, service: log_server, state: online}" &&
	expect_code 2 "$XPLAB" combined.yaml 2>err && cat err &&
	grep -q "^combined.yaml:5:1: faults\[2\]: view-out-of-sync and resource-failed (line 4) on the same service cannot combine" err &&
	lab_with "{type: failover-slow, delay_ms: 100}" "{type: failover-slow, delay_ms: 200}" &&
	expect_code 2 "$XPLAB" combined.yaml 2>err &&
	grep -q "fault failover-slow is given twice for the same lab" err
'

test_expect_success 'a restarted owner is back at reboot_ms while the role still starts on the new owner' '
	lab_with "{type: failover-slow, delay_ms: 3000}" &&
	start_lab combined.yaml &&
	"$XPV" probe exec --host "127.0.10.1:$WINRM_PORT" --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event node_up 20 &&
	# from outside: the old owner answers and the cluster counts it Up,
	# while the role is still Pending on the new owner
	wql 127.0.10.1 "select Name from Win32_ComputerSystem" | jq -e ".[0].Name == \"XPNODE1\"" &&
	wql 127.0.10.2 "select Name,State from MSCluster_Node where Name = '"'"'XPNODE1'"'"'" root/mscluster |
		jq -e ".[0].State == \"0\"" &&
	wql 127.0.10.2 "select State,OwnerNode from MSCluster_ResourceGroup where GroupType = 108" root/mscluster >g.json &&
	cat g.json && jq -e ".[0].State == \"4\" and .[0].OwnerNode == \"XPNODE2\"" g.json &&
	wait_event role_online 30 &&
	up=$(ms_between trigger node_up) && online=$(ms_between trigger role_online) &&
	echo "node_up after $up ms, role_online after $online ms (reboot_ms 2500, shutdown delay 300)" &&
	test "$up" -ge 2700 && test "$up" -lt 3300 && test "$online" -gt "$up"
'

test_done
