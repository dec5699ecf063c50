# Test-only lookup plugin (tests/reliability): talk to the lab API server from a playbook
# without starting a module process (lookups run inside ansible-playbook).
#   lookup('lab', 'GET', '/apis/network.openshift.io/v1/hostsubnets')
#   lookup('lab', 'POST', '/_lab/faults', {"verb": "patch", "status": 500})
# The lab URL and token come from the variables lab_url / lab_token (no secrets are logged:
# the token is given to the play as a no_log-free test value, not a real credential).
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
name: lab
short_description: one request to the ocp.egressip lab API server (tests only)
description:
  - Returns the decoded JSON answer; HTTP errors are returned as a dict with error and body.
options:
  _terms:
    description: method, path and optional JSON body
    required: true
"""

import json
import ssl
import urllib.error
import urllib.request

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        url = self._templar.template(variables.get("lab_url"))
        token = self._templar.template(variables.get("lab_token"))
        ca = self._templar.template(variables.get("lab_ca")) if variables.get("lab_ca") else None
        if not url or not token:
            raise AnsibleError("lookup lab: set lab_url and lab_token")
        method, path = terms[0], terms[1]
        body = terms[2] if len(terms) > 2 else None
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": "Bearer " + token, "Accept": "application/json", "X-Lab-Settle": "1"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
        ctx = ssl.create_default_context(cafile=ca) if ca else None
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
                raw = resp.read()
                return [json.loads(raw) if raw else None]
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = raw.decode("utf-8", "replace")
            return [{"error": exc.code, "body": raw}]
