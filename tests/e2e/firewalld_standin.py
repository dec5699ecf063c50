"""A stand-in for ``ansible.posix.firewalld`` (rich rules only), for the firewalld backend tests.

Why: firewalld cannot run here safely. It needs the system D-Bus and, installed from Debian, it
starts on the host and takes over the root namespace's firewall. So the role's firewalld tasks
run against this module instead: it keeps a zone's *runtime* and *permanent* rich rules in a
JSON file (the path is baked into the module source, as the hosts share this file system),
checks each rule against the rich-rule grammar the role uses (and that an address matches the
rule's family, as firewalld does: INVALID_ADDR), logs every call in order, and fails on the
rules that contain ``fail_on`` (INVALID_RULE), changing nothing for that call.

What it proves: the exact rules, that the runtime and permanent sets are changed together, the
order of the calls (new rules before stale ones are removed), and the rollback after a failure.
What it cannot prove: how a real firewalld daemon evaluates the rules (the nftables and
iptables backends are tested with real packets instead).
"""
import json
import os
import shutil

from tests.netns.topology import REPO_ROOT

MODULE = r'''#!/usr/bin/python
from __future__ import absolute_import, division, print_function
__metaclass__ = type
import ipaddress, json, os, re
from ansible.module_utils.basic import AnsibleModule

STATE = %(state)r
FAIL_ON = %(fail_on)r
RULE = re.compile(r'^rule priority="-?[0-9]+" family="(ipv4|ipv6)"( source address="([^"]+)")?'
                  r'( destination address="([^"]+)")? port port="([0-9]+)" protocol="(tcp|udp)"'
                  r' (accept|drop|reject|reject type="tcp-reset")$')


def load():
    if os.path.exists(STATE):
        with open(STATE) as fh:
            return json.load(fh)
    return {"runtime": {}, "permanent": {}, "calls": []}


def main():
    m = AnsibleModule(argument_spec=dict(
        rich_rule=dict(type="str"), zone=dict(type="str"), permanent=dict(type="bool"),
        immediate=dict(type="bool", default=False), state=dict(type="str", required=True,
                                                               choices=["enabled", "disabled", "present", "absent"]),
        offline=dict(type="bool")), supports_check_mode=True)
    p = m.params
    rule, zone = p["rich_rule"], p["zone"] or "public"
    match = RULE.match(rule or "")
    if not match:
        m.fail_json(msg="ERROR: INVALID_RULE: %%s" %% rule)
    fam = 4 if match.group(1) == "ipv4" else 6
    for addr in (match.group(3), match.group(5)):
        if addr and ipaddress.ip_network(addr, strict=False).version != fam:
            m.fail_json(msg="ERROR: INVALID_ADDR: %%s (family %%s)" %% (addr, match.group(1)))
    if FAIL_ON and FAIL_ON in rule:
        m.fail_json(msg="ERROR: INVALID_RULE: injected failure on %%s" %% rule)
    data = load()
    sets = (["permanent"] if p["permanent"] else []) + (["runtime"] if p["immediate"] or not p["permanent"] else [])
    want = p["state"] in ("enabled", "present")
    changed = any((rule in data[s].get(zone, [])) != want for s in sets)
    if changed and not m.check_mode:
        for s in sets:
            rules = [r for r in data[s].get(zone, []) if r != rule] + ([rule] if want else [])
            data[s][zone] = rules
        data["calls"].append([p["state"], rule, sets])
        tmp = STATE + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, STATE)
    m.exit_json(changed=changed, msg="Permanent and Non-Permanent(immediate) operation")


if __name__ == "__main__":
    main()
'''


def make_collection(root, state_file, fail_on=None):
    """Copy ``ansible.posix`` to ``root/ansible_collections/ansible/posix`` (the json callback
    the tests use lives there) with the stand-in as its firewalld module; return ``root`` (put it
    first on ANSIBLE_COLLECTIONS_PATH)."""
    base = os.path.join(str(root), "ansible_collections", "ansible", "posix")
    if not os.path.isdir(base):
        shutil.copytree(os.path.join(REPO_ROOT, ".collections", "ansible_collections", "ansible", "posix"), base,
                        symlinks=True)
    with open(os.path.join(base, "plugins", "modules", "firewalld.py"), "w") as fh:
        fh.write(MODULE % {"state": str(state_file), "fail_on": fail_on})
    return str(root)


def zone(state_file, which="runtime", name="public"):
    if not os.path.exists(state_file):
        return []
    with open(state_file) as fh:
        return json.load(fh)[which].get(name, [])


def calls(state_file):
    if not os.path.exists(state_file):
        return []
    with open(state_file) as fh:
        return json.load(fh)["calls"]
