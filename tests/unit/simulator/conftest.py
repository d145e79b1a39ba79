import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SIMULATOR_SOURCE = HERE.parents[1] / "simulator"

# The simulator from this checkout even where it is not pip-installed (ansible-test's venv), and
# `import shapes` / `import simtools` from the tests here under any pytest import mode.
sys.path[:0] = [str(SIMULATOR_SOURCE), str(HERE)]

from simtools import fresh_client, running_simulator  # noqa: E402


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    """One HTTPS simulator per test module."""
    with running_simulator(tmp_path_factory) as running:
        yield running


@pytest.fixture
def api(simulator):
    """A client of the module's simulator, which starts every test freshly reset."""
    with fresh_client(simulator) as client:
        yield client
