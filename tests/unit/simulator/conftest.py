import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SIMULATOR_SOURCE = HERE.parents[1] / "simulator"

# The simulator from this checkout even where it is not pip-installed (ansible-test's venv), and
# `import shapes` / `import simtools` from the tests here under any pytest import mode.
sys.path[:0] = [str(SIMULATOR_SOURCE), str(HERE)]

from logpoint_simulator import serve_in_thread  # noqa: E402
from simtools import SimClient  # noqa: E402


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    """One HTTPS simulator per test module."""
    running = serve_in_thread(port=0, tls=True, ca_path=tmp_path_factory.mktemp("simulator") / "ca.pem")
    yield running
    running.stop()


@pytest.fixture
def api(simulator):
    """A client of the module's simulator, which starts every test freshly reset."""
    client = SimClient(simulator)
    client.control("POST", "reset")
    yield client
    client.close()
