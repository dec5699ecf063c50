"""Network-namespace test hosts (controller, two workers with sshd, router, database).

Library: ``up()``/``down()`` build and remove the topology, ``run_in``,
``tcp_connect``/``tcp_probe``, ``add_addr``/``del_addr``, ``write_inventory``,
``ansible_playbook``. CLI: ``python -m tests.netns up --prefix P --state FILE``
and ``python -m tests.netns down --state FILE``. Pytest fixtures live in
``tests.netns.fixtures``.
"""
from .topology import (  # noqa: F401
    DB_CIDR, DB_PORTS, GATEWAY, HOSTS, LAN_CIDR, NetnsError, Topology, add_addr, addresses, default_prefix,
    del_addr, down, gc, load, netns_available, ns_name, run_in, tcp_connect, tcp_probe, up, write_inventory,
)
from .playbook import PlaybookResult, ansible_env, ansible_playbook, run_in_ctl  # noqa: F401
