"""Reliability tests: concurrency (Lease), fault injection, bad input corpus, security.

Every test records what it ran in the session ``tally``; test_zz_report.py turns it into
the table of docs/reliability.md.  Do not run this folder with xdist (one tally per process).
"""
import pytest

from tests.lab.fixtures import start_lab
from tests.reliability.report import Tally

_TALLY = Tally()


@pytest.fixture(scope="session")
def tally():
    return _TALLY


@pytest.fixture
def seed_lab(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        yield lab
