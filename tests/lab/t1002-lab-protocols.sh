#!/usr/bin/env bash
# The lab speaks the real protocols: clients we did not write get what a
# Windows cluster would give them.
. "$(dirname "$0")/../cli/lib.sh"

PY=/usr/bin/python3
DC='C:\Program Files\Milestone\XProtect Data Collector Server\appsettings.json'

test_expect_success 'start the healthy lab' '
	start_basic_lab "$XPV_LABS/healthy.yaml" &&
	test "$(jq -r .cluster.address lab-state/ready.json)" = "https://ms-role.lab.local:$HTTPS_PORT" &&
	test "$(jq -r ".nodes[1].address" lab-state/ready.json)" = 127.0.10.2 &&
	test -s "$(jq -r .ca_file lab-state/ready.json)"
'

if "$PY" -c "import winrm" 2>/dev/null; then
test_expect_success 'pywinrm runs type on a node and gets the file' '
	DCQ="\"$DC\"" "$PY" - >out <<-EOF &&
	import winrm, json, os
	s = winrm.Session("https://127.0.10.2:$WINRM_PORT/wsman", auth=("$XPV_WINRM_USER", "$XPV_WINRM_PASSWORD"),
	                  transport="basic", server_cert_validation="validate", ca_trust_path="lab-state/ca.pem")
	r = s.run_cmd("type", [os.environ["DCQ"]])
	assert r.status_code == 0, r
	print(json.loads(r.std_out)["ClusterSettings"]["ClusterApplicationId"])
	r = s.run_cmd("ipconfig")
	assert r.status_code == 1 and b"is not recognized" in r.std_err, r
	r = s.run_cmd("powershell", ["-NoProfile", "-NonInteractive", "-Command", "\"(Get-Cluster).Id\""])
	print(r.std_out.decode().strip())
	# run_ps: pywinrm'"'"'s own -EncodedCommand (UTF-16LE, base64)
	r = s.run_ps("(Get-Cluster).Id")
	print(r.std_out.decode().strip())
	r = s.run_ps("\$q = Get-ClusterQuorum\n\$q | ConvertTo-Json -Compress")
	print(json.loads(r.std_out)["QuorumType"])
	EOF
	cat out &&
	test "$(sed -n 1p out)" = 6f1c2d0e-8a55-4b8e-9a44-2f7e0c3b1d20 &&
	test "$(sed -n 2p out)" = 6f1c2d0e-8a55-4b8e-9a44-2f7e0c3b1d20 &&
	test "$(sed -n 3p out)" = 6f1c2d0e-8a55-4b8e-9a44-2f7e0c3b1d20 &&
	test "$(sed -n 4p out)" = NodeAndFileShareMajority
'
test_expect_success 'pywinrm with a wrong password gets 401' '
	! "$PY" -c "
import winrm
s = winrm.Session(\"https://127.0.10.1:$WINRM_PORT/wsman\", auth=(\"labadmin\", \"wrong\"), transport=\"basic\",
                  server_cert_validation=\"validate\", ca_trust_path=\"lab-state/ca.pem\")
s.run_cmd(\"hostname\")" 2>err &&
	grep -q "InvalidCredentialsError" err
'
else
test_skip 'pywinrm runs type on a node' 'python3-winrm is not installed'
fi

test_expect_success 'curl: token, then the sites list; no token, no sites' '
	login "$LAB_LOGIN_USER" "$LAB_LOGIN_PASSWORD" >token.json &&
	test "$(jq -r .token_type token.json)" = Bearer &&
	test "$(jq -r .expires_in token.json)" = 3600 &&
	test "$(jq -r .scope token.json)" = managementserver &&
	curl -sS --cacert lab-state/ca.pem --resolve "$ROLE_PIN" -H "Authorization: Bearer $(jq -r .access_token token.json)" \
		"https://$ROLE_HOST:$HTTPS_PORT/api/rest/v1/sites" >sites.json &&
	test "$(jq -r ".array[0].version" sites.json)" = 25.1.1804.0 &&
	test "$(curl -s -o no.json -w "%{http_code}" --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		"https://$ROLE_HOST:$HTTPS_PORT/api/rest/v1/sites")" = 401 &&
	test "$(jq -r ".error.httpCode" no.json)" = 401 &&
	curl -sS --cacert lab-state/ca.pem --resolve "$ROLE_PIN" "https://$ROLE_HOST:$HTTPS_PORT/api/.well-known/uris" >uris.json &&
	test "$(jq -r .IdentityProvider uris.json)" = "https://ms-role.lab.local/IDP"
'

test_expect_success 'bad credentials: 400 invalid_grant; other client: invalid_client' '
	login "$LAB_LOGIN_USER" wrong >bad.json &&
	test "$(jq -r .error bad.json)" = invalid_grant &&
	curl -sS --cacert lab-state/ca.pem --resolve "$ROLE_PIN" -d grant_type=password -d username=x -d password=y \
		-d client_id=Other "https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token" >other.json &&
	test "$(jq -r .error other.json)" = invalid_client
'

test_expect_success 'openssl shows the configured names, and they verify' '
	openssl s_client -connect 127.0.10.100:$HTTPS_PORT -servername "$ROLE_HOST" -CAfile lab-state/ca.pem \
		-verify_return_error </dev/null >sc.out 2>&1 &&
	grep -q "Verify return code: 0 (ok)" sc.out &&
	openssl x509 -in sc.out -noout -ext subjectAltName >san.txt &&
	for n in DNS:XPNODE1 DNS:XPNODE1.lab.local DNS:ms-role DNS:ms-role.lab.local DNS:xpcluster \
		"IP Address:127.0.10.1" "IP Address:127.0.10.100"; do
		grep -q "$n" san.txt || { echo "missing $n"; cat san.txt; exit 1; }
	done &&
	openssl s_client -connect 127.0.10.2:$WINRM_PORT -CAfile lab-state/ca.pem </dev/null 2>/dev/null |
		openssl x509 -noout -subject | grep -q "CN = XPNODE2.lab.local"
'

test_expect_success 'a plain SOAP Enumerate returns items in the shape of the captured Windows answer' '
	soap 127.0.10.1 "$XPV_TEST_DATA/lab/enumerate-services.xml" >enum.xml &&
	x() { xmllint --xpath "$1" enum.xml; } &&
	test "$(x "string(/*[local-name()=\"Envelope\"]/*[local-name()=\"Header\"]/*[local-name()=\"RelatesTo\"])")" = \
		uuid:55F28C75-F63E-4F68-8360-A8C478003959 &&
	test "$(x "namespace-uri(//*[local-name()=\"Items\"])")" = http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd &&
	test "$(x "namespace-uri(//*[local-name()=\"EndOfSequence\"])")" = http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd &&
	test "$(x "string(//*[local-name()=\"EnumerationContext\"])")" = "" &&
	test "$(x "namespace-uri(//*[local-name()=\"Items\"]/*)")" = \
		http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service &&
	test "$(x "string(//*[local-name()=\"Win32_Service\"]/@*[local-name()=\"type\"])")" = p:Win32_Service_Type &&
	test "$(x "string(//*[local-name()=\"InstallDate\"]/@*[local-name()=\"nil\"])")" = true &&
	test "$(x "string(//*[local-name()=\"StartMode\"])")" = Manual &&
	test "$(x "string(//*[local-name()=\"State\"])")" = Running &&
	test "$(x "count(//*[local-name()=\"Items\"]/*)")" = 1
'

test_expect_success 'paging: MaxElements 1, then Pull until the last answer without a context' '
	soap 127.0.10.1 "$XPV_TEST_DATA/lab/enumerate-page.xml" >p0.xml &&
	ctx=$(xmllint --xpath "string(//*[local-name()=\"EnumerationContext\"])" p0.xml) &&
	test -n "$ctx" &&
	test "$(xmllint --xpath "count(//*[local-name()=\"Items\"]/*)" p0.xml)" = 1 &&
	sed "s/CONTEXT/$ctx/" "$XPV_TEST_DATA/lab/pull.xml" >pull.xml &&
	soap 127.0.10.1 pull.xml >p1.xml &&
	test "$(xmllint --xpath "namespace-uri(//*[local-name()=\"Items\"])" p1.xml)" = \
		http://schemas.xmlsoap.org/ws/2004/09/enumeration &&
	test "$(xmllint --xpath "count(//*[local-name()=\"EndOfSequence\"])" p1.xml)" = 0 &&
	soap 127.0.10.1 pull.xml >p2.xml &&
	test "$(xmllint --xpath "count(//*[local-name()=\"EndOfSequence\"])" p2.xml)" = 1 &&
	test "$(xmllint --xpath "count(//*[local-name()=\"PullResponse\"]/*[local-name()=\"EnumerationContext\"])" p2.xml)" = 0 &&
	soap 127.0.10.1 pull.xml >p3.xml &&
	grep -q "InvalidEnumerationContext" p3.xml
'

test_expect_success 'HTTP as Windows answers it: 401 with both schemes, 405 on GET, faults on 500' '
	curl -s -i --cacert lab-state/ca.pem -X POST https://127.0.10.1:$WINRM_PORT/wsman >h401 &&
	grep -q "^HTTP/1.1 401" h401 &&
	grep -qi "^WWW-Authenticate: Negotiate" h401 &&
	grep -qi "^WWW-Authenticate: Basic realm=\"WSMAN\"" h401 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		https://127.0.10.1:$WINRM_PORT/wsman)" = 405 &&
	sed "s/Win32_Service where/Win32_Nope where/" "$XPV_TEST_DATA/lab/enumerate-services.xml" >nope.xml &&
	test "$(curl -s -o fault.xml -w "%{http_code}" --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @nope.xml \
		https://127.0.10.1:$WINRM_PORT/wsman)" = 500 &&
	test "$(xmllint --xpath "string(//*[local-name()=\"WSManFault\"]/@Code)" fault.xml)" = 2150858778
'

test_expect_success 'our own probe sees the cluster from every node' '
	"$XPV" probe wql --host 127.0.10.2:$WINRM_PORT --ca lab-state/ca.pem --namespace root/mscluster \
		"select Name,State,OwnerNode from MSCluster_ResourceGroup where GroupType = 108" >g.json &&
	test "$(jq -r ".[0].OwnerNode" g.json)" = XPNODE1 &&
	"$XPV" probe wql --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem --namespace root/mscluster \
		"select Name,State from MSCluster_Node where State = 0 and (Name = '"'"'XPNODE1'"'"' or Name = '"'"'xpnode2'"'"')" >n.json &&
	test "$(jq length n.json)" = 2 &&
	"$XPV" probe exec --host 127.0.10.1:$WINRM_PORT --ca lab-state/ca.pem -- type "\"$DC\"" | jq -e ".ClusterSettings" >/dev/null
'

test_expect_success 'the lab stops cleanly on SIGTERM and takes its ready file away' '
	stop_lab &&
	test ! -e lab-state/ready.json &&
	test "$(tail -1 lab-events.jsonl | jq -r .event)" = lab_stop &&
	! curl -s --max-time 2 --cacert lab-state/ca.pem https://127.0.10.1:$WINRM_PORT/wsman
'

test_done
