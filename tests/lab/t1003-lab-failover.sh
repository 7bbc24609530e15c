#!/usr/bin/env bash
# The lab's WSFC behaviour, measured on its ground-truth events against the
# timings of healthy.yaml: detect 1000 ms, reboot 2500 ms, move 100 ms;
# resources start in 400/200/200 ms and stop in 100/50/50 ms; a restart
# begins 300 ms after the command.
. "$(dirname "$0")/../cli/lib.sh"

# after_trigger: the events from the (last) trigger on, as a JSON array.
after_trigger() {
	jq -s '(map(select(.event == "trigger")) | last | .t_us) as $t0 | map(select(.t_us >= $t0))' lab-events.jsonl
}

# ms FROM TO: milliseconds from the first FROM to the first TO after the trigger.
ms() {
	after_trigger | jq "(map(select(.event == \"$2\"))[0].t_us - map(select(.event == \"$1\"))[0].t_us) / 1000 | floor"
}

# near GOT WANT [TOLERANCE]: GOT within TOLERANCE (250) ms of WANT.
near() {
	if [ "$1" -lt $(($2 - ${3:-250})) ] || [ "$1" -gt $(($2 + ${3:-250})) ]; then
		echo "expected about $2 ms, got $1 ms" >&2
		return 1
	fi
}

test_expect_success 'restart the owner: dark, detected, taken over in order, back with Manual services stopped' '
	start_basic_lab "$XPV_LABS/healthy.yaml" &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event restart_done 20 &&
	near "$(ms trigger node_off)" 300 &&
	near "$(ms node_off node_down)" 1000 &&
	near "$(ms node_down owner_changed)" 0 50 &&
	near "$(ms owner_changed role_online)" 800 &&
	near "$(ms trigger node_up)" 2800 &&
	near "$(ms node_off login_unavailable)" 0 50 &&
	test "$(after_trigger | jq -r "map(select(.event == \"owner_changed\"))[0].to")" = XPNODE2 &&
	after_trigger | jq -r "map(select(.event == \"service_started\" and .node == \"XPNODE2\") | .service) | join(\",\")" >order &&
	test "$(cat order)" = "Milestone XProtect Management Server,Milestone XProtect Data Collector Server,Milestone XProtect Log Server" &&
	test "$(after_trigger | jq "map(select(.event == \"login_available\"))[0].t_us > map(select(.event == \"service_started\" and .node == \"XPNODE2\"))[0].t_us")" = true &&
	wql 127.0.10.2 "select Name,State,OwnerNode from MSCluster_ResourceGroup where GroupType = 108" root/mscluster >g.json &&
	test "$(jq -r ".[0].OwnerNode" g.json)" = XPNODE2 && test "$(jq -r ".[0].State" g.json)" = 0 &&
	wql 127.0.10.1 "select Name,State from Win32_Service where Name like '"'"'Milestone%'"'"'" >s1.json &&
	test "$(jq -r "map(.State) | unique | join(\",\")" s1.json)" = Stopped &&
	wql 127.0.10.1 "select Name,State from MSCluster_Node" root/mscluster >n.json &&
	test "$(jq -r "map(.State) | join(\",\")" n.json)" = "0,0"
'

# Detection 5 s after the owner goes dark: two probes (ASan, a loaded CI
# machine) fit in before it.
test_expect_success 'while the owner is dark: connections refused, the cluster still says Up until detection' '
	printf "base: %s\ntimings: {detect_ms: 5000, reboot_ms: 8000}\n" "$XPV_LABS/healthy.yaml" >slow-detect.yaml &&
	start_basic_lab slow-detect.yaml &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event node_off 5 &&
	expect_code 3 "$XPV" probe wql --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem "select Name from Win32_Service" 2>err &&
	grep -q "connection failed" err &&
	wql 127.0.10.2 "select Name,State from MSCluster_Node where Name = '"'"'XPNODE1'"'"'" root/mscluster >n.json &&
	test "$(jq -r ".[0].State" n.json)" = 0 &&
	wait_event node_down 10 &&
	wql 127.0.10.2 "select Name,State from MSCluster_Node where Name = '"'"'XPNODE1'"'"'" root/mscluster >n.json &&
	test "$(jq -r ".[0].State" n.json)" = 1 &&
	wait_event restart_done 30
'

test_expect_success 'move the role: stop in reverse order, move, start in order' '
	start_basic_lab "$XPV_LABS/healthy.yaml" &&
	soap 127.0.10.2 "$XPV_TEST_DATA/lab/move-role.xml" >move.xml &&
	test "$(xmllint --xpath "string(//*[local-name()=\"ReturnValue\"])" move.xml)" = 0 &&
	wait_event move_done 10 &&
	after_trigger | jq -r "map(select(.event == \"service_stopped\") | .service) | join(\",\")" >stopped &&
	test "$(cat stopped)" = "Milestone XProtect Log Server,Milestone XProtect Data Collector Server,Milestone XProtect Management Server" &&
	near "$(ms trigger owner_changed)" 300 &&
	near "$(ms owner_changed role_online)" 800 &&
	test "$(after_trigger | jq -r "map(select(.event == \"address_bound\"))[0].node")" = XPNODE2 &&
	soap 127.0.10.2 "$XPV_TEST_DATA/lab/move-role.xml" >again.xml &&
	grep -q "already owned by the requested node" again.xml
'

test_expect_success 'three nodes: the next node takes over, the third is left alone' '
	start_basic_lab "$XPV_LABS/healthy-3.yaml" &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event role_online 20 &&
	test "$(after_trigger | jq -r "map(select(.event == \"owner_changed\"))[0].to")" = XPNODE2 &&
	test "$(after_trigger | jq "map(select(.node == \"XPNODE3\")) | length")" = 0 &&
	wait_event restart_done 20
'

test_expect_success 'Auto start mode: the service runs on the passive node, and starts again after its reboot' '
	start_basic_lab "$XPV_LABS/start-mode-auto.yaml" &&
	wql 127.0.10.2 "select Name,StartMode,State from Win32_Service where Name = '"'"'Milestone XProtect Log Server'"'"'" >ls.json &&
	test "$(jq -r ".[0].StartMode" ls.json)" = Auto && test "$(jq -r ".[0].State" ls.json)" = Running &&
	"$XPV" probe exec --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem -- shutdown /r /t 0 /f &&
	wait_event restart_done 20 &&
	after_trigger | jq -c "map(select(.event == \"service_started\"))" >started.json &&
	test "$(jq length started.json)" = 1 &&
	test "$(jq -r ".[0].node + \"/\" + .[0].service + \"/\" + .[0].why" started.json)" = \
		"XPNODE2/Milestone XProtect Log Server/start mode Auto" &&
	test "$(ms node_up service_started)" -ge 150 &&
	test "$(after_trigger | jq "map(select(.event == \"owner_changed\")) | length")" = 0
'

test_done
