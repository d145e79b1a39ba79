"""Command line: `python -m logpoint_simulator` / `logpoint-simulator`."""

import argparse
import signal
import sys
import threading

from .seed_logicmonitor import ENTRY_COUNT
from .server import is_loopback, serve_in_thread
from .state import SimState


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(
            f"--host {args.host} is not a loopback address; the simulator's credentials are public, "
            "so it only listens on 127.0.0.1, ::1 or localhost"
        )

    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())

    try:
        simulator = serve_in_thread(args.port, args.tls, args.ca, host=args.host, latency_ms=args.latency_ms,
                                    state=SimState(lm_entries=args.lm_entries))
    except OSError as error:
        print(f"logpoint simulator: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    ca_note = f" (CA: {simulator.ca_path})" if simulator.ca_path else ""
    print(f"logpoint simulator listening on {simulator.url}{ca_note}", flush=True)
    stop_requested.wait()
    simulator.stop()
    return 0


def _parser():
    parser = argparse.ArgumentParser(prog="logpoint-simulator", description="A stateful Logpoint SIEM simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8443, help="port (default %(default)s; 0 picks a free one)")
    parser.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="HTTPS with a certificate from a throwaway CA (default), or plain HTTP with --no-tls",
    )
    parser.add_argument(
        "--ca", default=".simulator/ca.pem", help="where to write the CA certificate PEM (default %(default)s)"
    )
    parser.add_argument(
        "--latency-ms", type=_non_negative, default=0, help="delay added to every API request (default 0)"
    )
    parser.add_argument(
        "--lm-entries", type=_non_negative, default=ENTRY_COUNT,
        help="LogicMonitor audit entries seeded at start and every reset (default %(default)s)"
    )
    return parser


def _non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


if __name__ == "__main__":
    sys.exit(main())
