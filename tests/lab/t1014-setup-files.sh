#!/usr/bin/env bash
# The set-up checks on files a node really could hold: a Data Collector
# appsettings.json that is not JSON, a ServerConfig.xml with no registration
# and one with a registration that is no URL, an IDP appsettings.json whose
# DataProtectionSettings were never set (DPAPI). Each fails its check on that
# node only, naming the file and what is wrong. (The lab's node files come
# from the lab file's nodes[].files.)
. "$(dirname "$0")/../cli/lib.sh"

DC='C:\Program Files\Milestone\XProtect Data Collector Server\appsettings.json'
SC='C:\ProgramData\Milestone\XProtect Management Server\ServerConfig.xml'
IDP='C:\Program Files\Milestone\XProtect Management Server\IIS\Identity Provider\appsettings.json'

# lab_files FILE JSON: healthy.yaml with XPNODE2 holding the files of JSON
lab_files() {
	/usr/bin/python3 - "$XPV_LABS/healthy.yaml" "$2" >"$1" <<-PY
	import json, sys, yaml
	lab = yaml.safe_load(open(sys.argv[1]))
	lab["nodes"][1]["files"] = json.loads(sys.argv[2])
	print(yaml.safe_dump(lab))
	PY
}

run_lab() { # LABFILE: the set-up checks against it; results in r/
	printf "name: files\nlab: %s\n" "$PWD/$1" >s.yaml
	"$XPV" run s.yaml --out r -q \
		--only dcs-cluster-settings,registered-cluster-address,idp-data-protection,identical-nodes 2>/dev/null || true
}

result() { # CHECK TARGET: verdict and message
	jq -r ".checks[] | select(.id == \"$1\") | .results[] | select(.target == \"$2\") | .verdict + \": \" + .message" r/results.json
}

test_expect_success 'a Data Collector appsettings.json that is not JSON, a registration missing, DPAPI left on' '
	lab_files broken.yaml "$(jq -n --arg dc "$DC" --arg sc "$SC" --arg idp "$IDP" \
		"{(\$dc): \"{ \\\"ClusterSettings\\\": { \\\"ClusterAddress\\\": \", (\$sc): \"<server><version>25.1.1804.0</version></server>\",
		  (\$idp): \"{\\\"AllowedHosts\\\": \\\"*\\\"}\"}")" &&
	run_lab broken.yaml &&
	result dcs-cluster-settings XPNODE2 >dc.txt && cat dc.txt &&
	grep -q "^fail: .*appsettings.json on XPNODE2 is not valid JSON (line 1: " dc.txt &&
	test "$(result dcs-cluster-settings XPNODE1 | cut -d: -f1)" = pass &&
	result registered-cluster-address XPNODE2 >reg.txt && cat reg.txt &&
	grep -q "^fail: .*ServerConfig.xml on XPNODE2: no /server/WebApiConfig/AuthorizationServerUri element: the management server is not registered" reg.txt &&
	test "$(result registered-cluster-address XPNODE1 | cut -d: -f1)" = pass &&
	result idp-data-protection XPNODE2 >idp.txt && cat idp.txt &&
	grep -q "^fail: XPNODE2: .*has no DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint: the IDP protects its keys with DPAPI" idp.txt &&
	test "$(result identical-nodes XPNODE2/xprotect-version | cut -d: -f1)" = pass
'

test_expect_success 'a registration that is no URL, and a ServerConfig.xml that is not XML' '
	lab_files notaurl.yaml "$(jq -n --arg sc "$SC" \
		"{(\$sc): \"<server><version>25.1</version><WebApiConfig><AuthorizationServerUri>ms-role</AuthorizationServerUri></WebApiConfig></server>\"}")" &&
	run_lab notaurl.yaml &&
	result registered-cluster-address XPNODE2 | grep -q "^fail: .*ServerConfig.xml on XPNODE2: /server/WebApiConfig/AuthorizationServerUri is .ms-role., not a URL" &&
	result identical-nodes XPNODE2/xprotect-version | grep -q "^fail: XPNODE2 has 25.1, but XPNODE1 has 25.1.1804.0" &&
	lab_files notxml.yaml "$(jq -n --arg sc "$SC" "{(\$sc): \"<server><version>\"}")" &&
	run_lab notxml.yaml &&
	result registered-cluster-address XPNODE2 | grep -q "^fail: .*ServerConfig.xml on XPNODE2: not well-formed XML (line 1" &&
	result identical-nodes XPNODE2/xprotect-version | grep -q "^error: cannot read XPNODE2.s xprotect-version: .*not well-formed XML"
'

test_expect_success 'a file two checks read is fetched once a run (the run'"'"'s cache)' '
	printf "name: once\nlab: %s\n" "$XPV_LABS/healthy.yaml" >once.yaml &&
	"$XPV" run once.yaml --out ro --evidence evo -q --only identical-nodes,registered-cluster-address 2>/dev/null &&
	test "$(grep -c "<rsp:Arguments>\"C:.ProgramData.Milestone.XProtect Management Server.ServerConfig.xml\"</rsp:Arguments>" evo/*/transcripts/XPNODE2.txt)" = 1 &&
	jq -e "[.checks[] | select(.id == \"identical-nodes\" or .id == \"registered-cluster-address\") | .verdict] == [\"pass\", \"pass\"]" ro/results.json
'

test_done
