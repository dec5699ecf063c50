import pytest

from tests.lab.fixtures import start_lab


@pytest.fixture
def seed_lab(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        yield lab
