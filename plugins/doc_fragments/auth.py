# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options for authenticating with the API: same names, aliases, environment variables and
# meaning as kubernetes.core (its k8s_auth_options fragment), plus request_timeout.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  host:
    description:
      - Provide a URL for accessing the API. Can also be specified via E(K8S_AUTH_HOST) environment variable.
    type: str
  api_key:
    description:
      - Token used to authenticate with the API. Can also be specified via E(K8S_AUTH_API_KEY) environment variable.
    type: str
  kubeconfig:
    description:
      - Path to an existing Kubernetes config file. If not provided, and no other connection
        options are provided, the Kubernetes client will attempt to load the in-cluster configuration
        and then the default configuration file from C(~/.kube/config).
        Can also be specified via E(K8S_AUTH_KUBECONFIG) environment variable.
      - The kubernetes configuration can also be provided as a dictionary.
    type: raw
  context:
    description:
      - The name of a context found in the config file. Can also be specified via E(K8S_AUTH_CONTEXT) environment variable.
    type: str
  username:
    description:
      - Provide a username for authenticating with the API. Can also be specified via E(K8S_AUTH_USERNAME) environment
        variable.
      - Please note that this only works with clusters configured to use HTTP Basic Auth.
    type: str
  password:
    description:
      - Provide a password for authenticating with the API. Can also be specified via E(K8S_AUTH_PASSWORD) environment
        variable.
    type: str
  client_cert:
    description:
      - Path to a certificate used to authenticate with the API. Can also be specified via E(K8S_AUTH_CERT_FILE)
        environment variable.
    type: path
    aliases: [ cert_file ]
  client_key:
    description:
      - Path to a key file used to authenticate with the API. Can also be specified via E(K8S_AUTH_KEY_FILE)
        environment variable.
    type: path
    aliases: [ key_file ]
  ca_cert:
    description:
      - Path to a CA certificate used to authenticate with the API. The full certificate chain must be provided to
        avoid certificate validation errors. Can also be specified via E(K8S_AUTH_SSL_CA_CERT) environment variable.
    type: path
    aliases: [ ssl_ca_cert ]
  validate_certs:
    description:
      - Whether or not to verify the API server's SSL certificates. Can also be specified via E(K8S_AUTH_VERIFY_SSL)
        environment variable.
      - When not set, certificates are verified (unless the kubeconfig says otherwise).
    type: bool
    aliases: [ verify_ssl ]
  proxy:
    description:
      - The URL of an HTTP proxy to use for the connection. Can also be specified via E(K8S_AUTH_PROXY) environment variable.
      - Please note that this module does not pick up typical proxy settings from the environment (for example E(HTTP_PROXY)).
    type: str
  no_proxy:
    description:
      - The comma separated list of hosts/domains/IP/CIDR that shouldn't go through proxy. Can also be specified via
        E(K8S_AUTH_NO_PROXY) environment variable.
      - Please note that this module does not pick up typical proxy settings from the environment (for example E(NO_PROXY)).
    type: str
  proxy_headers:
    description:
      - The Header used for the HTTP proxy.
    type: dict
    suboptions:
      proxy_basic_auth:
        type: str
        description:
          - Colon-separated username:password for proxy basic authentication header.
          - Can also be specified via E(K8S_AUTH_PROXY_HEADERS_PROXY_BASIC_AUTH) environment.
      basic_auth:
        type: str
        description:
          - Colon-separated username:password for basic authentication header.
          - Can also be specified via E(K8S_AUTH_PROXY_HEADERS_BASIC_AUTH) environment.
      user_agent:
        type: str
        description:
          - String representing the user-agent you want, such as foo/1.0.
          - Can also be specified via E(K8S_AUTH_PROXY_HEADERS_USER_AGENT) environment.
  persist_config:
    description:
      - Whether or not to save the kube config refresh tokens.
        Can also be specified via E(K8S_AUTH_PERSIST_CONFIG) environment variable.
      - Default to false.
    type: bool
  impersonate_user:
    description:
      - Username to impersonate for the operation.
      - Can also be specified via E(K8S_AUTH_IMPERSONATE_USER) environment.
    type: str
  impersonate_groups:
    description:
      - Group(s) to impersonate for the operation.
      - "Can also be specified via E(K8S_AUTH_IMPERSONATE_GROUPS) environment. Example: Group1,Group2"
    type: list
    elements: str
  request_timeout:
    description:
      - Timeout in seconds applied to every API request (connect and read together).
      - Greater than 0 and at most 86400; 0, a negative number, V(inf) or V(nan) is refused before any request.
    type: float
    default: 30
notes:
  - "To avoid SSL certificate validation errors when O(validate_certs) is V(true), the full
    certificate chain for the API server must be provided via O(ca_cert) or in the
    kubeconfig file."
requirements:
  - "python >= 3.9"
  - "kubernetes"
"""
