"""Reliability tests: concurrency (Lease), fault injection, bad input corpus, security.

Every test records what it ran in the session ``tally``; test_zz_report.py turns it into
the table of docs/reliability.md.  The tally lives in one process: under xdist every test of
this folder goes to one worker (``--dist loadgroup``, the group set below), in file order, so
the report test still runs last and sees every entry.
"""
import os

import pytest

from tests.lab.fixtures import start_lab
from tests.reliability.report import Tally

_TALLY = Tally()
_HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(_HERE + os.sep):
            item.add_marker(pytest.mark.xdist_group("reliability"))


@pytest.fixture(scope="session")
def tally():
    return _TALLY


@pytest.fixture
def seed_lab(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        yield lab
