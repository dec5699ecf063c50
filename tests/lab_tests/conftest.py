from tests.lab.fixtures import lab, lab_tls  # noqa: F401  pylint: disable=unused-import
