from tests.lab.fixtures import lab, lab_tls  # noqa: F401  (pytest fixtures)
