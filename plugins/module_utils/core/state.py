# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalized cluster state (see docs/CORE_API.md): the model lives in model.py, the
builders from API objects in api_objects.py; this module is the one to import."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.model import (  # noqa: F401
    CLOUD_ANNOTATION, NETWORK_TYPES, OVN, OVN_ASSIGNABLE_LABEL, OVN_IFADDR_ANNOTATION, SDN,
    ClusterState, Namespace, Node,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.api_objects import (  # noqa: F401
    state_from_ovn, state_from_sdn,
)

__all__ = [
    "CLOUD_ANNOTATION", "NETWORK_TYPES", "OVN", "OVN_ASSIGNABLE_LABEL", "OVN_IFADDR_ANNOTATION", "SDN",
    "ClusterState", "Namespace", "Node", "state_from_ovn", "state_from_sdn",
]
