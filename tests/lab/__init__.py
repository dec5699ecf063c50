"""The lab cluster: a small Kubernetes/OpenShift API server on 127.0.0.1 for tests and demos.

Start it with ``python -m tests.lab --scenario seed --kubeconfig FILE`` (see ``__main__.py``
and ``README.md``). Pytest helpers live in ``tests.lab.fixtures``.
"""
