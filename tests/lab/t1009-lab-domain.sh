#!/usr/bin/env bash
# The lab's domain as clients we did not write see it: pywinrm's ntlm
# transport over HTTP with message encryption, pywinrm's kerberos transport
# over HTTPS with a ticket from MIT kinit, curl --negotiate; plaintext and
# Basic refused as a stock Windows Server refuses them; channel binding
# demanded where the listener is Strict. Then xpverify over the wire: no
# plaintext SOAP and no password in a capture of the loopback traffic, and
# no password in any output, for Kerberos and for NTLM.
. "$(dirname "$0")/../cli/lib.sh"

# pywinrm's NTLM (python3-ntlm-auth) hashes with MD4, which OpenSSL 3 keeps
# in its legacy provider: loaded for the Python clients only.
legacy=$XPV_TEST_DATA/lab/openssl-legacy.cnf

# A WQL query as pywinrm's Protocol sends any message (it has no WQL call).
cat >wql.py <<'EOF'
import sys, uuid, winrm
from winrm.protocol import Protocol
endpoint, transport, user, password = sys.argv[1:5]
kw = dict(transport=transport, username=user, password=password, message_encryption=sys.argv[5])
if len(sys.argv) > 6 and sys.argv[6] != "-":
    kw.update(ca_trust_path=sys.argv[6])
if len(sys.argv) > 7:
    kw.update(kerberos_hostname_override=sys.argv[7])
p = Protocol(endpoint, **kw)
msg = f"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:To>{endpoint}</a:To><w:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize><a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID><w:OperationTimeout>PT20S</w:OperationTimeout></s:Header><s:Body><n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements><w:Filter Dialect="http://schemas.microsoft.com/wbem/wsman/1/WQL">select Name,StartMode from Win32_Service where Name like 'Milestone%'</w:Filter></n:Enumerate></s:Body></s:Envelope>"""
print(p.send_message(msg).decode())
shell = p.open_shell()
cmd = p.run_command(shell, "hostname")
out, err, code = p.get_command_output(shell, cmd)
p.cleanup_command(shell, cmd)
p.close_shell(shell)
print("hostname:", out.decode().strip(), code)
EOF

krb5_env() {
	export KRB5_CONFIG=$PWD/lab-state/domain/krb5.conf KRB5CCNAME=FILE:$PWD/tickets
}

test_expect_success 'the lab starts its domain: a KDC, the node principals, the ready file names them' '
	start_lab "$XPV_LABS/healthy.yaml" &&
	test "$(jq -r .domain.realm lab-state/ready.json)" = LAB.LOCAL &&
	test "$(jq -r .domain.kdc lab-state/ready.json)" = "$LAB_KDC" &&
	test "$(jq -r ".nodes[1].spn" lab-state/ready.json)" = HTTP/xpnode2.lab.local &&
	test "$(jq -r ".nodes[0].winrm_http_port" lab-state/ready.json)" = $((15985 + $(jq .ports.offset lab-state/ready.json))) &&
	KRB5_CONFIG=lab-state/domain/krb5.conf klist -k lab-state/domain/nodes.keytab >keys &&
	grep -q "HTTP/xpnode1.lab.local@LAB.LOCAL" keys && grep -q "HTTP/xpnode2.lab.local@LAB.LOCAL" keys
'

test_expect_success 'pywinrm ntlm over HTTP, messages encrypted: a WQL query and hostname' '
	OPENSSL_CONF=$legacy /usr/bin/python3 wql.py http://127.0.10.1:$WINRM_HTTP_PORT/wsman ntlm "LAB\\labadmin" \
		"$XPV_WINRM_PASSWORD" always >out &&
	grep -q "<p:Name>Milestone XProtect Management Server</p:Name>\|<Name>Milestone XProtect Management Server</Name>" out &&
	grep -q "^hostname: XPNODE1 0" out
'

test_expect_success 'MIT kinit gets a ticket from the lab KDC; a wrong password is refused by it' '
	krb5_env &&
	echo "$XPV_WINRM_PASSWORD" | kinit labadmin@LAB.LOCAL >/dev/null &&
	klist | grep -q "krbtgt/LAB.LOCAL@LAB.LOCAL" &&
	! (echo wrong | KRB5CCNAME=FILE:$PWD/other kinit labadmin@LAB.LOCAL >/dev/null 2>&1)
'

test_expect_success 'pywinrm kerberos over HTTPS: a WQL query and hostname' '
	krb5_env &&
	/usr/bin/python3 wql.py https://127.0.10.2:$WINRM_PORT/wsman kerberos labadmin@LAB.LOCAL "" never lab-state/ca.pem \
		xpnode2.lab.local >out &&
	grep -q "Milestone XProtect Management Server" out &&
	grep -q "^hostname: XPNODE2 0" out
'

test_expect_success 'pywinrm kerberos over HTTP without encryption is refused (AllowUnencrypted=false)' '
	krb5_env &&
	! /usr/bin/python3 wql.py http://127.0.10.2:$WINRM_HTTP_PORT/wsman kerberos labadmin@LAB.LOCAL "" never - \
		xpnode2.lab.local 2>err &&
	grep -q "InvalidCredentialsError: the specified credentials were rejected" err
'

test_expect_success 'curl --negotiate over HTTPS: a bad body gets a WS-Management fault (it authenticated)' '
	krb5_env &&
	curl -sS --negotiate -u : --cacert lab-state/ca.pem --resolve xpnode1.lab.local:$WINRM_PORT:127.0.10.1 \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data "<not-soap/>" -o body -w "%{http_code}" \
		https://xpnode1.lab.local:$WINRM_PORT/wsman >code &&
	test "$(cat code)" = 500 &&
	grep -q "WSManFault" body
'

test_expect_success 'curl --negotiate logs in to the IDP with the windows grant (Kerberos to HTTP/ms-role.lab.local)' '
	krb5_env &&
	curl -sS --negotiate -u : --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		-d grant_type=windows_credentials -d client_id=GrantValidatorClient \
		https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token >tok &&
	test "$(jq -r .token_type tok)" = Bearer &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --cacert lab-state/ca.pem --resolve "$ROLE_PIN" \
		-d grant_type=windows_credentials -d client_id=GrantValidatorClient \
		https://$ROLE_HOST:$HTTPS_PORT/IDP/connect/token)" = 401
'

test_expect_success 'Basic is refused on a stock node, and not even offered; a 401 offers Negotiate and Kerberos' '
	curl -s -i --cacert lab-state/ca.pem -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" -X POST \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @"$XPV_TEST_DATA/lab/enumerate-services.xml" \
		https://127.0.10.1:$WINRM_PORT/wsman | tr -d "\r" >h401 &&
	grep -q "^HTTP/1.1 401" h401 &&
	grep -qx "WWW-Authenticate: Negotiate" h401 && grep -qx "WWW-Authenticate: Kerberos" h401 &&
	! grep -q "Basic" h401
'

test_expect_success 'a plaintext SOAP message over HTTP is refused, whatever the credentials' '
	test "$(curl -s -o /dev/null -w "%{http_code}" -u "$XPV_WINRM_USER:$XPV_WINRM_PASSWORD" \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data-binary @"$XPV_TEST_DATA/lab/enumerate-services.xml" \
		http://127.0.10.1:$WINRM_HTTP_PORT/wsman)" = 401
'

test_expect_success 'a listener that demands channel binding: curl (no binding) refused, xpverify (bound) served' '
	start_lab "$XPV_LABS/winrm-channel-binding.yaml" &&
	krb5_env &&
	echo "$XPV_WINRM_PASSWORD" | kinit labadmin@LAB.LOCAL >/dev/null &&
	test "$(curl -s --negotiate -u : --cacert lab-state/ca.pem --resolve xpnode1.lab.local:$WINRM_PORT:127.0.10.1 \
		-H "Content-Type: application/soap+xml;charset=UTF-8" --data "<not-soap/>" -o /dev/null -w "%{http_code}" \
		https://xpnode1.lab.local:$WINRM_PORT/wsman)" = 401 &&
	XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC "$XPV" probe exec --host 127.0.10.1:$WINRM_PORT \
		--transport https --auth ntlm --ca lab-state/ca.pem -- hostname >out &&
	test "$(tr -d "\r\n" <out)" = XPNODE1
'

test_expect_success 'probe with the ticket kinit left (no password): Kerberos by name, the trace decrypted' '
	start_lab "$XPV_LABS/healthy.yaml" &&
	krb5_env &&
	echo "$XPV_WINRM_PASSWORD" | kinit labadmin@LAB.LOCAL >/dev/null &&
	(unset XPV_WINRM_PASSWORD KRB5_CONFIG &&
	 XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC "$XPV" probe wql --host xpnode1.lab.local:$WINRM_HTTP_PORT \
		--resolve xpnode1.lab.local:127.0.10.1 --auth kerberos --transport http --trace \
		"select Name from Win32_Service where Name = '"'"'ClusSvc'"'"'" >rows.json 2>trace) &&
	test "$(jq -r ".[0].Name" rows.json)" = ClusSvc &&
	grep -q "^> POST http://xpnode1.lab.local:$WINRM_HTTP_PORT/wsman (sealed with Kerberos (shown decrypted))" trace &&
	grep -q "select Name from Win32_Service" trace &&
	grep -q "Content-Type: multipart/encrypted" trace &&
	grep -q "^Authorization: \[REDACTED\]" trace &&
	! grep -q "WWW-Authenticate: Negotiate [A-Za-z0-9+/]" trace
'

test_expect_success 'a password login leaves no ticket cache behind, and the user'"'"'s own is untouched' '
	krb5_env &&
	before=$(klist | grep -c "krbtgt") &&
	(export KRB5CCNAME=FILE:$PWD/never-written &&
	 XPV_WINRM_USER=labadmin@LAB.LOCAL XPV_WINRM_KDC=$LAB_KDC "$XPV" probe exec --host xpnode2.lab.local:$WINRM_HTTP_PORT \
		--resolve xpnode2.lab.local:127.0.10.2 --auth kerberos --transport http -- hostname >out) &&
	test "$(tr -d "\r\n" <out)" = XPNODE2 &&
	test ! -e never-written &&
	test "$(klist | grep -c "krbtgt")" = "$before"
'

test_expect_success 'a Kerberos run logs in once: the KDC issues one initial ticket, and service tickets for each node' '
	cat >s-once.yaml <<-YAML &&
	name: one login
	cluster: {name: xpcluster, role: ms-role, address: "https://ms-role.lab.local:$HTTPS_PORT"}
	nodes:
	  - {name: XPNODE1, host: xpnode1.lab.local}
	  - {name: XPNODE2, host: xpnode2.lab.local}
	resolve: {xpnode1.lab.local: 127.0.10.1, xpnode2.lab.local: 127.0.10.2}
	winrm: {transport: http, auth: kerberos, port: $WINRM_HTTP_PORT, username: labadmin@LAB.LOCAL,
	        password_env: XPV_WINRM_PASSWORD, realm: LAB.LOCAL, kdc: "$LAB_KDC"}
	checks: {include: [startup-type-manual, service-status-matches-cluster, identical-nodes, quorum]}
	YAML
	: >lab-state/domain/kdc.log &&
	"$XPV" run s-once.yaml --out r-once -q &&
	test "$(jq .summary.error r-once/results.json)" = 0 && test "$(jq .summary.pass r-once/results.json)" -gt 4 &&
	grep "ISSUE" lab-state/domain/kdc.log >issued &&
	test "$(grep -c "^.*AS_REQ.*labadmin@LAB.LOCAL for krbtgt/LAB.LOCAL@LAB.LOCAL" issued)" = 1 &&
	grep -q "TGS_REQ.*labadmin@LAB.LOCAL for HTTP/xpnode1.lab.local@LAB.LOCAL" issued &&
	grep -q "TGS_REQ.*labadmin@LAB.LOCAL for HTTP/xpnode2.lab.local@LAB.LOCAL" issued
'

# A KDC 300 ms away (a UDP relay in front of the lab's): says how many
# requests it held at once, at the end, in its file.
cat >slow-kdc.py <<'EOF'
import socket, sys, threading, time
host, port = sys.argv[1].rsplit(":", 1)
me = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
me.bind(("127.0.10.87", 0))
print(me.getsockname()[1], flush=True)
lock, now, most = threading.Lock(), [0], [0]
def relay(data, client):
    global now
    with lock:
        now[0] += 1
        most[0] = max(most[0], now[0])
    time.sleep(0.3)
    kdc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    kdc.settimeout(5)
    kdc.sendto(data, (host, int(port)))
    me.sendto(kdc.recvfrom(65536)[0], client)
    with lock:
        now[0] -= 1
        open(sys.argv[2], "w").write("%d\n" % most[0])
while True:
    data, client = me.recvfrom(65536)
    threading.Thread(target=relay, args=(data, client), daemon=True).start()
EOF

test_expect_success 'a KDC far away: the nodes'"'"' service tickets are asked for at once, not one after another' '
	python3 slow-kdc.py "$LAB_KDC" most >relay.port &
	relay=$! &&
	for _ in $(seq 1 50); do [ -s relay.port ] && break; sleep 0.1; done &&
	sed "s/kdc: \"$LAB_KDC\"/kdc: \"127.0.10.87:$(cat relay.port)\"/" s-once.yaml >s-far.yaml &&
	grep -q "127.0.10.87:" s-far.yaml &&
	code=0 && "$XPV" run s-far.yaml --out r-far -q || code=$?
	kill $relay
	test $code = 0 &&
	test "$(cat most)" -ge 2
'

test_expect_success 'a wrong password is tried once a run: the KDC sees one failed pre-authentication' '
	: >lab-state/domain/kdc.log &&
	expect_code 3 env XPV_WINRM_PASSWORD=not-the-password "$XPV" run s-once.yaml --out r-wrong -q &&
	test "$(jq .summary.error r-wrong/results.json)" -gt 4 &&
	test "$(jq "[.checks[].results[] | select(.message | test(\"Kerberos login of labadmin@LAB.LOCAL failed: wrong password\"))] | length" \
		r-wrong/results.json)" = "$(jq .summary.error r-wrong/results.json)" &&
	test "$(grep -c "AS_REQ.*PREAUTH_FAILED: labadmin@LAB.LOCAL" lab-state/domain/kdc.log)" = 1 &&
	! grep -q "ISSUE" lab-state/domain/kdc.log
'

test_expect_success 'a keytab instead of a password: a lab run over Kerberos' '
	stop_lab &&
	printf "addent -password -p labadmin@LAB.LOCAL -k 1 -e aes256-cts-hmac-sha1-96\n%s\nwkt user.keytab\nquit\n" \
		"$XPV_WINRM_PASSWORD" | ktutil >/dev/null 2>&1 &&
	test -s user.keytab &&
	cat >s-keytab.yaml <<-YAML &&
	name: keytab
	lab: $XPV_LABS/healthy.yaml
	winrm: {auth: kerberos, keytab: user.keytab}
	checks: {exclude: [failover-takeover]}
	YAML
	"$XPV" run s-keytab.yaml --out r-keytab --evidence ev-keytab -q 2>err &&
	grep -q "sealed with Kerberos" ev-keytab/*/transcripts/XPNODE1.txt
'

# run_lab_scenario AUTH: xpverify run against the lab, evidence and a verbose log.
run_lab_scenario() {
	cat >s-$1.yaml <<-YAML
	name: wire $1
	lab: $XPV_LABS/healthy.yaml
	winrm: {auth: $1, transport: http}
	checks: {exclude: [failover-takeover]}
	YAML
	"$XPV" run s-$1.yaml --out r-$1 --evidence ev-$1 -v >log-$1 2>&1
}

if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null; then
test_expect_success 'a capture of an xpverify run over HTTP: no plaintext SOAP, no password (Kerberos, NTLM)' '
	stop_lab &&
	for auth in kerberos ntlm; do
		tcpdump -i lo -U -w cap-$auth.pcap "net 127.0.10.0/24" 2>tcpdump.err &
		tpid=$!
		sleep 1
		code=0; run_lab_scenario $auth || code=$?
		sleep 0.5
		kill -INT $tpid; wait $tpid || true
		test $code = 0 || { tail -20 log-$auth; exit 1; }
		test -s cap-$auth.pcap || { cat tcpdump.err; exit 1; }
		grep -q "sealed with $(echo $auth | sed "s/kerberos/Kerberos/;s/ntlm/NTLM/")" ev-$auth/*/transcripts/XPNODE1.txt
		grep -aq "multipart/encrypted" cap-$auth.pcap
		for plain in "Envelope" "Win32_Service" "MSCluster" "$XPV_WINRM_PASSWORD"; do
			if grep -aqF -- "$plain" cap-$auth.pcap; then echo "in the capture ($auth): $plain"; exit 1; fi
		done
	done
'
else
	test_skip 'a capture of an xpverify run over HTTP' 'needs root and tcpdump'
fi

test_expect_success 'the password is in no output of a Kerberos or an NTLM run, in no form' '
	stop_lab &&
	for auth in kerberos ntlm; do
		[ -d r-$auth ] || run_lab_scenario $auth || { tail -20 log-$auth; exit 1; }
		for form in "$XPV_WINRM_PASSWORD" "$(printf %s "$XPV_WINRM_PASSWORD" | base64)" \
			"$(printf %s "labadmin@LAB.LOCAL:$XPV_WINRM_PASSWORD" | base64)" \
			"$(printf %s "labadmin:$XPV_WINRM_PASSWORD" | base64)"; do
			if grep -raF -- "$form" r-$auth ev-$auth log-$auth; then echo "found ($auth): $form"; exit 1; fi
		done
		for f in ev-$auth/*.tar.gz; do
			if tar -xzOf "$f" | grep -aqF -- "$XPV_WINRM_PASSWORD"; then echo "in $f"; exit 1; fi
		done
	done
'

test_done
