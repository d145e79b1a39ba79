"""A stateful Logpoint SIEM simulator for the tests of the logpoint.siem collection."""

from .server import serve_in_thread

__all__ = ["serve_in_thread"]
