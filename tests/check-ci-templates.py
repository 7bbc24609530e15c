#!/usr/bin/python3
"""check-ci-templates.py XPVERIFY DIR: the CI templates of DIR parse (YAML;
the Jenkinsfile's brackets and strings balance), every `xpverify COMMAND
--option` they run exists in the CLI, and each publishes JUnit and treats
exit 3 apart from exit 1. Prints one line per problem; exit 1 if any."""
import os
import re
import subprocess
import sys

import yaml

xpv, root = sys.argv[1], sys.argv[2]
problems = []


def cli_help(*args):
    return subprocess.run([xpv, *args], capture_output=True, text=True).stdout


commands = set(re.findall(r"^  ([a-z][a-z-]*)", cli_help("--help").split("Commands:")[1], re.M))


def check_invocations(name, text):
    text = re.sub(r"\\\n\s*", " ", text)  # shell line continuations
    # an invocation starts a shell line: in a YAML list or run block, or in
    # a Jenkins sh step (prose such as "xpverify could not ..." does not)
    start = r"(?:^[ \t]*(?:-[ \t]+)?|run:[ \t]*|sh[ \t]+'|script:[ \t]*')"
    calls = re.findall(start + r"xpverify[ \t]+([a-z][a-z-]*)([^\n'`]*)", text, re.M)
    if not calls:
        problems.append(f"{name}: runs no xpverify command")
    for cmd, rest in calls:
        if cmd not in commands:
            problems.append(f"{name}: 'xpverify {cmd}' is not a command ({', '.join(sorted(commands))})")
            continue
        known = cli_help("help", cmd)
        for opt in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            if opt not in known:
                problems.append(f"{name}: 'xpverify {cmd}' has no option {opt}")


def balanced(name, text):
    pairs, stack, i = {")": "(", "]": "[", "}": "{"}, [], 0
    while i < len(text):
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            while end > 0 and text[end - 1] == "\\":
                end = text.find(c, end + 1)
            if end < 0:
                problems.append(f"{name}: a string opened at offset {i} is never closed")
                return
            i = end + 1
            continue
        if c in "([{":
            stack.append(c)
        elif c in ")]}":
            if not stack or stack.pop() != pairs[c]:
                problems.append(f"{name}: unbalanced '{c}' at offset {i}")
                return
        i += 1
    if stack:
        problems.append(f"{name}: {len(stack)} bracket(s) never closed")


for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    text = open(path).read()
    if name.endswith((".yml", ".yaml")):
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            problems.append(f"{name}: not YAML: {e}")
            continue
        check_invocations(name, text)
        if name.startswith("gitlab"):
            job = doc.get(".xpverify", {})
            if 3 not in job.get("allow_failure", {}).get("exit_codes", []):
                problems.append(f"{name}: exit 3 is not an allowed failure")
            if "junit" not in job.get("artifacts", {}).get("reports", {}):
                problems.append(f"{name}: no JUnit report")
        elif name.startswith("github"):
            steps = doc["jobs"]["verify"]["steps"]
            if not any("-eq 3" in s.get("run", "") for s in steps):
                problems.append(f"{name}: exit 3 is not handled")
            if not any("junit" in s.get("uses", "") for s in steps):
                problems.append(f"{name}: no JUnit report")
    elif name == "Jenkinsfile":
        balanced(name, text)
        check_invocations(name, text)
        if "code == 3" not in text or "unstable(" not in text:
            problems.append(f"{name}: exit 3 does not make the build unstable")
        if not re.search(r"\bjunit\b", text):
            problems.append(f"{name}: no JUnit report")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
