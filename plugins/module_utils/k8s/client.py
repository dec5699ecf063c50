# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API client layer of the collection.

Built on the ``kubernetes`` Python client: configuration loading (kubeconfig,
in-cluster, exec/OIDC token refresh, TLS, proxies) comes from it, and requests go
through the urllib3 pool manager of its ``ApiClient``.  No discovery: the kinds
the collection uses are described by the small table ``KINDS``, so one LIST of a
kind is one HTTP request.

The authentication options have the same names, aliases, environment variables
and meaning as in ``kubernetes.core``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import json
import os
import traceback

try:
    import kubernetes
    import kubernetes.client
    import kubernetes.config
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()

try:
    import urllib3
    HAS_URLLIB3 = True
except ImportError:
    HAS_URLLIB3 = False

from ansible_collections.ocp.egressip.plugins.module_utils.core.options import OptionError, positive_seconds

try:
    from urllib.parse import quote, urlencode
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote, urlencode


AUTH_PROXY_HEADERS_SPEC = dict(
    proxy_basic_auth=dict(type="str", no_log=True),
    basic_auth=dict(type="str", no_log=True),
    user_agent=dict(type="str"),
)

# Same names, types and aliases as kubernetes.core (plugins/module_utils/args_common.py).
AUTH_ARG_SPEC = dict(
    kubeconfig=dict(type="raw", no_log=True),
    context=dict(type="str"),
    host=dict(type="str"),
    api_key=dict(type="str", no_log=True),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    validate_certs=dict(type="bool", aliases=["verify_ssl"]),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"]),
    client_cert=dict(type="path", aliases=["cert_file"]),
    client_key=dict(type="path", aliases=["key_file"], no_log=False),
    proxy=dict(type="str"),
    no_proxy=dict(type="str"),
    proxy_headers=dict(type="dict", options=AUTH_PROXY_HEADERS_SPEC),
    persist_config=dict(type="bool"),
    impersonate_user=dict(type="str"),
    impersonate_groups=dict(type="list", elements="str"),
    request_timeout=dict(type="float", default=30),
)

# kubernetes client Configuration attribute -> module option (as kubernetes.core AUTH_ARG_MAP)
AUTH_ARG_MAP = {
    "kubeconfig": "kubeconfig",
    "context": "context",
    "host": "host",
    "api_key": "api_key",
    "username": "username",
    "password": "password",
    "verify_ssl": "validate_certs",
    "ssl_ca_cert": "ca_cert",
    "cert_file": "client_cert",
    "key_file": "client_key",
    "proxy": "proxy",
    "no_proxy": "no_proxy",
    "proxy_headers": "proxy_headers",
    "persist_config": "persist_config",
}

_BOOL_OPTIONS = ("validate_certs", "persist_config")


class Kind(object):
    """One API kind: where it lives and whether it is namespaced."""

    def __init__(self, kind, group, version, plural, namespaced=False):
        self.kind = kind
        self.group = group
        self.version = version
        self.plural = plural
        self.namespaced = namespaced

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    def path(self, name=None, namespace=None):
        base = "/apis/%s/%s" % (self.group, self.version) if self.group else "/api/%s" % self.version
        if self.namespaced and namespace:
            base += "/namespaces/%s" % quote(namespace, safe="")
        base += "/" + self.plural
        if name is not None:
            base += "/" + quote(name, safe="")
        return base


KINDS = dict((k.kind, k) for k in (
    Kind("Node", "", "v1", "nodes"),
    Kind("HostSubnet", "network.openshift.io", "v1", "hostsubnets"),
    Kind("NetNamespace", "network.openshift.io", "v1", "netnamespaces"),
    Kind("Network", "config.openshift.io", "v1", "networks"),
    Kind("Infrastructure", "config.openshift.io", "v1", "infrastructures"),
    Kind("ClusterVersion", "config.openshift.io", "v1", "clusterversions"),
    Kind("EgressIP", "k8s.ovn.org", "v1", "egressips"),
    Kind("CloudPrivateIPConfig", "cloud.network.openshift.io", "v1", "cloudprivateipconfigs"),
    Kind("Lease", "coordination.k8s.io", "v1", "leases", namespaced=True),
    Kind("ConfigMap", "", "v1", "configmaps", namespaced=True),     # quarantine record (quarantine.py)
    # the node probe's short-lived pods (module_utils/node/pod.py)
    Kind("Pod", "", "v1", "pods", namespaced=True),
))


class ClientError(Exception):
    """The client could not be configured (bad kubeconfig, missing files, ...)."""


# What to do about the two most common set-up failures, named for every way of running the
# collection (ansible-playbook, AWX job templates with an OpenShift credential).
AWX_CREDENTIAL_HINT = ("in AWX, attach an 'OpenShift or Kubernetes API Bearer Token' credential to the job "
                       "template: it sets K8S_AUTH_HOST, K8S_AUTH_API_KEY, K8S_AUTH_VERIFY_SSL and K8S_AUTH_SSL_CA_CERT")
UNTRUSTED_CERT_HINT = ("give the cluster's CA certificate with ca_cert (K8S_AUTH_SSL_CA_CERT; in AWX the "
                       "credential's CA certificate field), or, for a test cluster only, validate_certs: false")
UNVERIFIED_WARNING = ("validate_certs is false (or the kubeconfig says insecure-skip-tls-verify): the API "
                      "server's certificate is not checked, so anyone between here and the cluster can read the "
                      "token and change the answers; give ca_cert instead")


def _where_config_was_looked_for(auth):
    """Each place a configuration was looked for, in kubernetes.core's order, and what was there."""
    option = auth.get("kubeconfig")
    default = os.path.expanduser("~/.kube/config")
    kube_env = os.environ.get("KUBECONFIG")
    return [
        "option kubeconfig / K8S_AUTH_KUBECONFIG: %s" % ("%s (not found)" % option if option else "not set"),
        "host + api_key (or username/password, client certificate) / K8S_AUTH_HOST + K8S_AUTH_API_KEY: not set",
        "in-cluster service account: %s" % ("not usable" if os.environ.get("KUBERNETES_SERVICE_HOST")
                                            else "not in a pod (KUBERNETES_SERVICE_HOST not set)"),
        "KUBECONFIG: %s" % (kube_env if kube_env else "not set"),
        "%s: %s" % (default, "present but unusable" if os.path.exists(default) else "does not exist"),
    ]


def no_config_message(auth, exc):
    """The message for 'no usable API configuration': where it was looked for and how to give one."""
    return ("no Kubernetes API configuration found (%s); tried: %s. Set kubeconfig (or K8S_AUTH_KUBECONFIG), "
            "or host and api_key (K8S_AUTH_HOST, K8S_AUTH_API_KEY); %s"
            % (exc, "; ".join(_where_config_was_looked_for(auth)), AWX_CREDENTIAL_HINT))


def _is_untrusted_certificate(exc):
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    return isinstance(reason, urllib3.exceptions.SSLError) and (
        "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text or "match" in text)


class ApiError(Exception):
    """A request failed.  ``status`` is the HTTP status (0 when no answer came)."""

    def __init__(self, method, path, status, reason="", message="", body=None):
        self.method = method
        self.path = path
        self.status = status
        self.reason = reason or ""
        self.message = message or ""
        self.body = body
        text = "%s %s: " % (method, path)
        if status:
            text += "%s %s" % (status, self.reason)
        else:
            text += self.reason or "no answer"
        if self.message:
            text += ": " + self.message
        super(ApiError, self).__init__(text)

    @property
    def conflict(self):
        return self.status == 409

    @property
    def not_found(self):
        return self.status == 404


def auth_params(params):
    """Resolve the auth options: module parameter first, then K8S_AUTH_* variables,
    exactly as kubernetes.core does.  Returns {Configuration attribute: value}."""
    auth = {}
    for true_name, arg_name in AUTH_ARG_MAP.items():
        value = params.get(arg_name)
        if value is not None:
            auth[true_name] = value
            continue
        if arg_name == "proxy_headers":
            headers = {}
            for key in AUTH_PROXY_HEADERS_SPEC:
                env = os.getenv("K8S_AUTH_PROXY_HEADERS_%s" % key.upper())
                if env is not None:
                    headers[key] = env
            if headers:
                auth[true_name] = headers
            continue
        env = os.getenv("K8S_AUTH_%s" % arg_name.upper()) or os.getenv("K8S_AUTH_%s" % true_name.upper())
        if env is not None:
            if arg_name in _BOOL_OPTIONS:
                env = env.lower() not in ("0", "false", "no")
            auth[true_name] = env
    return auth


def _header_value(option, value):
    """HTTP header values are latin-1 text without control characters (RFC 9110 field-value):
    anything else would fail inside the HTTP library with a message not naming the option."""
    try:
        value.encode("latin-1")
        ok = all(c == "\t" or (" " <= c != "\x7f") for c in value)
    except UnicodeEncodeError:
        ok = False
    if not ok:
        raise ClientError("%s: %r: cannot be sent as an HTTP header (latin-1 text without control characters)"
                          % (option, value))
    return value


def impersonation_headers(params):
    headers = []
    user = params.get("impersonate_user") or os.getenv("K8S_AUTH_IMPERSONATE_USER")
    if user:
        headers.append(("Impersonate-User", _header_value("impersonate_user", user)))
    groups = params.get("impersonate_groups")
    if groups is None and os.getenv("K8S_AUTH_IMPERSONATE_GROUPS"):
        groups = [g for g in os.getenv("K8S_AUTH_IMPERSONATE_GROUPS").split(",") if g]
    for group in groups or []:
        headers.append(("Impersonate-Group", _header_value("impersonate_groups", group)))
    return headers


def _load_config(auth):
    kubeconfig = auth.get("kubeconfig")
    kwargs = dict(context=auth.get("context"), persist_config=bool(auth.get("persist_config")))
    if isinstance(kubeconfig, dict):
        kubernetes.config.load_kube_config_from_dict(config_dict=kubeconfig, **kwargs)
    else:
        kubernetes.config.load_kube_config(config_file=kubeconfig or None, **kwargs)


def build_configuration(auth):
    """A kubernetes.client.Configuration from resolved auth options (kubernetes.core's rules)."""
    def given(*names):
        return all(auth.get(n) for n in names)

    if given("host"):
        auth["host"] = auth["host"].rstrip("/")
    try:
        if given("username", "password", "host") or given("api_key", "host") or given("cert_file", "key_file", "host"):
            pass
        elif given("kubeconfig") or given("context"):
            if isinstance(auth.get("kubeconfig"), str) and not os.path.exists(os.path.expanduser(auth["kubeconfig"])):
                raise ClientError("kubeconfig %s (option kubeconfig or K8S_AUTH_KUBECONFIG) does not exist; %s"
                                  % (auth["kubeconfig"], AWX_CREDENTIAL_HINT))
            _load_config(auth)
        else:
            try:
                kubernetes.config.load_incluster_config()
            except kubernetes.config.ConfigException:
                try:
                    _load_config(auth)
                except (kubernetes.config.ConfigException, IOError, OSError) as exc:
                    raise ClientError(no_config_message(auth, exc))
    except (kubernetes.config.ConfigException, IOError, OSError, ValueError, TypeError) as exc:
        raise ClientError("Could not create API client: %s" % exc)
    try:
        configuration = kubernetes.client.Configuration.get_default_copy()
    except AttributeError:
        configuration = kubernetes.client.Configuration()
    for key, value in auth.items():
        if value is None or key in ("kubeconfig", "context", "persist_config"):
            continue
        if key == "api_key":
            configuration.api_key = {"authorization": "Bearer %s" % value}
            configuration.api_key_prefix = {}
        elif key == "proxy_headers":
            configuration.proxy_headers = urllib3.util.make_headers(**value)
        else:
            setattr(configuration, key, value)
    for path_key in ("ssl_ca_cert", "cert_file", "key_file"):
        path = getattr(configuration, path_key, None)
        if path and not os.path.exists(path):
            raise ClientError("Could not create API client: %s file %s does not exist" % (path_key, path))
    return configuration


class Client(object):
    """Minimal JSON API client.  Every request uses ``timeout`` seconds and is counted."""

    def __init__(self, configuration, timeout=30, extra_headers=None):
        self.configuration = configuration
        self.api_client = kubernetes.client.ApiClient(configuration)
        self.pool = self.api_client.rest_client.pool_manager
        self.timeout = timeout
        self.extra_headers = list(extra_headers or [])
        self.requests = 0
        self.writes = 0
        self.warnings = []   # for the module to show (runner.Runner passes them on)

    # -- plumbing -------------------------------------------------------------
    def _headers(self, content_type=None):
        headers = urllib3.HTTPHeaderDict()
        headers["Accept"] = "application/json"
        headers["User-Agent"] = "ocp.egressip"
        if content_type:
            headers["Content-Type"] = content_type
        for name, value in (self.api_client.default_headers or {}).items():
            if name.lower() not in ("user-agent",):
                headers[name] = value
        for setting in self.configuration.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        if "authorization" not in headers and getattr(self.configuration, "username", None) and \
                getattr(self.configuration, "password", None):
            token = "%s:%s" % (self.configuration.username, self.configuration.password)
            headers["Authorization"] = "Basic " + base64.b64encode(token.encode("utf-8")).decode("ascii")
        for name, value in self.extra_headers:
            headers.add(name, value)
        return headers

    def _send(self, method, path, body=None, query=None, content_type=None):
        """-> (response, text, parsed JSON or None); ApiError for an error status."""
        url = self.configuration.host.rstrip("/") + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            content_type = content_type or "application/json"
        self.requests += 1
        if method != "GET":
            self.writes += 1
        try:
            resp = self.pool.request(method, url, body=data, headers=self._headers(content_type),
                                     timeout=urllib3.Timeout(total=self.timeout), retries=False,
                                     preload_content=True)
        except urllib3.exceptions.TimeoutError as exc:
            raise ApiError(method, path, 0, message="%s (request_timeout: %ss)" % (exc, self.timeout))
        except urllib3.exceptions.HTTPError as exc:
            if _is_untrusted_certificate(exc):
                raise ApiError(method, path, 0, reason="untrusted certificate", message=(
                    "the API server %s answered with a certificate that is not trusted here (%s): %s"
                    % (self.configuration.host, getattr(exc, "reason", None) or exc, UNTRUSTED_CERT_HINT)))
            raise ApiError(method, path, 0, message=str(exc))
        text = resp.data.decode("utf-8", "replace") if resp.data else ""
        try:
            doc = json.loads(text) if text else {}
        except ValueError:
            doc = None
        if resp.status >= 400:
            message = doc.get("message") if isinstance(doc, dict) else text[:300]
            raise ApiError(method, path, resp.status, resp.reason, message, doc if doc is not None else text)
        return resp, text, doc

    def request(self, method, path, body=None, query=None, content_type=None):
        return self._send(method, path, body, query, content_type)[2]

    def request_text(self, method, path, query=None):
        """The body as text (pod logs are text/plain)."""
        return self._send(method, path, query=query)[1]

    def path(self, kind, name=None, namespace=None):
        return KINDS[kind].path(name, namespace)

    # -- verbs ----------------------------------------------------------------
    def list(self, kind, namespace=None, limit=None, label_selector=None):
        """All items of a kind: one request unless the server paginates."""
        k = KINDS[kind]
        items = []
        query = {"limit": limit} if limit else {}
        if label_selector:
            query["labelSelector"] = label_selector
        resource_version = None
        while True:
            doc = self.request("GET", k.path(namespace=namespace), query=query)
            resource_version = (doc.get("metadata") or {}).get("resourceVersion", resource_version)
            for item in doc.get("items") or []:
                item.setdefault("kind", kind)
                item.setdefault("apiVersion", k.api_version)
                items.append(item)
            token = (doc.get("metadata") or {}).get("continue")
            if not token:
                break
            query = dict(query, **{"continue": token})
        return items

    def get(self, kind, name, namespace=None):
        return self.request("GET", KINDS[kind].path(name, namespace))

    def create(self, kind, body, namespace=None):
        k = KINDS[kind]
        body = dict(body, apiVersion=k.api_version, kind=kind)
        return self.request("POST", k.path(namespace=namespace), body)

    def replace(self, kind, name, body, namespace=None):
        return self.request("PUT", KINDS[kind].path(name, namespace), body)

    def merge_patch(self, kind, name, body, namespace=None):
        return self.request("PATCH", KINDS[kind].path(name, namespace), body,
                            content_type="application/merge-patch+json")

    def delete(self, kind, name, namespace=None, resource_version=None):
        body = None
        if resource_version:
            body = {"kind": "DeleteOptions", "apiVersion": "v1",
                    "preconditions": {"resourceVersion": resource_version}}
        return self.request("DELETE", KINDS[kind].path(name, namespace), body)


def client_from_params(params):
    """A Client from module parameters (raises ClientError)."""
    if not HAS_KUBERNETES:
        raise ClientError("the kubernetes Python library is required")
    try:
        # 0, negative, inf or nan would reach urllib3 (an error not naming the option, or a crash)
        timeout = positive_seconds("request_timeout", params.get("request_timeout"))
    except OptionError as exc:
        raise ClientError(str(exc))
    auth = auth_params(params)
    configuration = build_configuration(auth)
    if timeout is None:
        timeout = 30
    client = Client(configuration, timeout=timeout, extra_headers=impersonation_headers(params))
    if configuration.verify_ssl is False:
        client.warnings.append(UNVERIFIED_WARNING)
    return client
