#!/usr/bin/env bash
# vs-pywinrm.sh [RUNS]: xpverify against a pywinrm script doing the same
# work, side by side, on generated healthy labs of 2 and 64 nodes, with
# every WinRM answer at once and after 100 ms (the lab's winrm-slow fault),
# over two ways of talking WinRM: Basic over HTTPS (5986), and NTLM over
# HTTP (5985) with every message sealed, as a stock domain member answers.
# The work: the guide's two WinRM verification checks (startup type, service
# status): per node the role services' Win32_Service rows, from one node
# the role's cluster resources, the verdicts computed. pywinrm (python3-winrm)
# runs a thread per node, as a script written for speed would. Runs are
# interleaved (xpverify, script, xpverify, ...), RUNS each (default 5);
# each side's time is its own: xpverify's run duration (results.json), the
# script's wall time from its first request to its verdicts. Prints a
# Markdown table of medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
xpv=${XPV:-build/dev/xpverify}
xplab=${XPLAB:-build/dev/fixtures/lab/xplab}
runs=${1:-5}
tmp=$(mktemp -d)
lab_pid=
trap '[ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

cat >"$tmp/same-work.py" <<'EOF'
# The same work as xpverify's startup-type-manual and
# service-status-matches-cluster, with pywinrm: a thread per node.
import json, sys, threading, time, uuid
import xml.etree.ElementTree as ET
from winrm.protocol import Protocol

ready, user, password, auth = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
NS = {"s": "http://www.w3.org/2003/05/soap-envelope", "n": "http://schemas.xmlsoap.org/ws/2004/09/enumeration",
      "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"}
SERVICES = ["Milestone XProtect Management Server", "Milestone XProtect Data Collector Server",
            "Milestone XProtect Log Server"]

def envelope(endpoint, ns, action, body):
    return ("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
            "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
            "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" "
            "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header>"
            "<a:To>%s</a:To><w:ResourceURI s:mustUnderstand=\"true\">"
            "http://schemas.microsoft.com/wbem/wsman/1/wmi/%s/*</w:ResourceURI>"
            "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
            "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
            "<a:Action s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/09/enumeration/%s</a:Action>"
            "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">512000</w:MaxEnvelopeSize>"
            "<a:MessageID>uuid:%s</a:MessageID><w:OperationTimeout>PT20S</w:OperationTimeout>"
            "</s:Header><s:Body>%s</s:Body></s:Envelope>" % (endpoint, ns, action, str(uuid.uuid4()).upper(), body))

def rows(items):
    out = []
    for item in items:
        out.append({child.tag.split("}")[-1]: child.text for child in item})
    return out

def wql(p, endpoint, ns, query):
    q = query.replace("&", "&amp;").replace("<", "&lt;")
    body = ("<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements>"
            "<w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">%s</w:Filter></n:Enumerate>" % q)
    doc = ET.fromstring(p.send_message(envelope(endpoint, ns, "Enumerate", body)))
    found = rows(doc.findall(".//w:Items/*", NS))
    ctx = doc.find(".//n:EnumerationContext", NS)
    while doc.find(".//w:EndOfSequence", NS) is None and doc.find(".//n:EndOfSequence", NS) is None and ctx is not None:
        body = "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext><n:MaxElements>32000</n:MaxElements></n:Pull>" % ctx.text
        doc = ET.fromstring(p.send_message(envelope(endpoint, ns, "Pull", body)))
        found += rows(doc.findall(".//n:Items/*", NS))
        ctx = doc.find(".//n:EnumerationContext", NS)
    return found

def session(node):
    if auth == "ntlm":
        endpoint = "http://%s:%d/wsman" % (node["address"], ready["ports"]["winrm_http"])
        p = Protocol(endpoint, transport="ntlm", username=user, password=password, message_encryption="always")
    else:
        endpoint = "https://%s:%d/wsman" % (node["address"], ready["ports"]["winrm"])
        p = Protocol(endpoint, transport="basic", username=user, password=password,
                     server_cert_validation="validate", ca_trust_path=ready["ca_file"])
    return p, endpoint

verdicts, lock = [], threading.Lock()
t0 = time.monotonic()
services = {}
def per_node(node):
    p, endpoint = session(node)
    where = " or ".join("Name = '%s'" % s for s in SERVICES)
    r = wql(p, endpoint, "root/cimv2", "select Name,StartMode,State from Win32_Service where " + where)
    with lock:
        services[node["name"]] = {x["Name"]: x for x in r}
        for s in SERVICES:
            verdicts.append(("startup", node["name"], s, (services[node["name"]].get(s) or {}).get("StartMode") == "Manual"))
threads = [threading.Thread(target=per_node, args=(n,)) for n in ready["nodes"]]
for t in threads:
    t.start()
p, endpoint = session(ready["nodes"][0])
res = wql(p, endpoint, "root/mscluster",
          "select Name,State,Type,OwnerGroup,OwnerNode from MSCluster_Resource where OwnerGroup = 'ms-role'")
for t in threads:
    t.join()
owner = res[0]["OwnerNode"]
for r in [r for r in res if r["Name"] in SERVICES]:
    verdicts.append(("status", owner, r["Name"], r["State"] == "2" and services[owner][r["Name"]]["State"] == "Running"))
for n in ready["nodes"]:
    if n["name"] != owner:
        for s in SERVICES:
            verdicts.append(("status", n["name"], s, services[n["name"]][s]["State"] != "Running"))
elapsed = time.monotonic() - t0
assert all(v[3] for v in verdicts), [v for v in verdicts if not v[3]]
print("%.3f %d" % (elapsed, len(verdicts)))
EOF


median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "| WinRM | nodes | WinRM latency | xpverify median s | pywinrm threads median s | ratio |"
echo "|---|---|---|---|---|---|"
for auth in basic ntlm; do
	for n in 2 64; do
		for latency in 0 100; do
			if [ "$auth" = basic ]; then
				bash ci/bench/make-lab.sh "$n" "$latency" >"$tmp/lab.yaml"
				printf "base: %s\nfaults:\n  - {type: winrm-basic-enabled}\n" "$tmp/lab.yaml" >"$tmp/lab-run.yaml"
				user=labadmin
				winrm='transport: https, auth: basic, port: \($port), username: labadmin'
			else
				bash ci/bench/make-lab.sh "$n" "$latency" domain >"$tmp/lab-run.yaml"
				user='LAB\labadmin'
				winrm='transport: http, auth: ntlm, port: \($http), username: labadmin@LAB.LOCAL'
			fi
			rm -rf "$tmp/state"
			"$xplab" "$tmp/lab-run.yaml" --state-dir "$tmp/state" --port-offset auto 2>"$tmp/lab.err" &
			lab_pid=$!
			for _ in $(seq 1 600); do [ -f "$tmp/state/ready.json" ] && break; sleep 0.1; done
			ready=$tmp/state/ready.json
			# the running lab as a scenario, talked to as the script does
			jq -r --arg ca "$(jq -r .ca_file "$ready")" --argjson port "$(jq .ports.winrm "$ready")" \
				--argjson http "$(jq .ports.winrm_http "$ready")" '
				"name: bench\ncluster: {name: xpcluster, role: ms-role, address: \"https://ms-role.lab.local\"}\nnodes:\n" +
				([.nodes[] | "  - {name: \(.name), host: \(.address)}"] | join("\n")) +
				"\nwinrm: {'"$winrm"', password_env: XPV_BENCH_PW, ca_file: \($ca)}\n" +
				"checks: {include: [startup-type-manual, service-status-matches-cluster]}\nreports: {dir: '"$tmp"'/r}\n"' \
				"$ready" >"$tmp/s.yaml"
			: >"$tmp/x"
			: >"$tmp/p"
			for _ in $(seq 1 "$runs"); do
				XPV_BENCH_PW=lab-Winrm-2026 "$xpv" run "$tmp/s.yaml" -q 2>/dev/null || { echo "xpverify run failed" >&2; exit 1; }
				jq -r .run.duration_s "$tmp/r/results.json" >>"$tmp/x"
				# MD4 for pywinrm's NTLM: OpenSSL 3's legacy provider
				OPENSSL_CONF=tests/data/lab/openssl-legacy.cnf \
					/usr/bin/python3 "$tmp/same-work.py" "$ready" "$user" lab-Winrm-2026 "$auth" |
					cut -d' ' -f1 >>"$tmp/p"
			done
			kill "$lab_pid"
			wait "$lab_pid" 2>/dev/null || true
			lab_pid=
			x=$(median <"$tmp/x")
			p=$(median <"$tmp/p")
			awk -v a="$auth" -v n="$n" -v l="$latency" -v x="$x" -v p="$p" \
				'BEGIN { printf "| %s | %s | %s ms | %.3f | %.3f | %.1fx |\n", a == "ntlm" ? "NTLM, HTTP, sealed" : "Basic, HTTPS", n, l, x, p, p / x }'
		done
	done
done
