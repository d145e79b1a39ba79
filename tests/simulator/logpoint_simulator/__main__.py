"""Command line: `python -m logpoint_simulator` / `logpoint-simulator`."""

import argparse
import json
import signal
import sys
import threading

from .profiles import DEFAULT_PROFILE, PROFILES
from .seed_logicmonitor import ENTRY_COUNT
from .server import is_loopback, serve_in_thread
from .state import SimState, validate_setting


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(
            f"--host {args.host} is not a loopback address; the simulator's credentials are public, "
            "so it only listens on 127.0.0.1, ::1 or localhost"
        )

    settings = {}
    for key, raw in args.setting:
        value, problem = _setting_value(key, raw)
        if problem:
            parser.error(f"--setting {key}={raw}: {problem}")
        settings[key] = value

    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())

    try:
        simulator = serve_in_thread(args.port, args.tls, args.ca, host=args.host, latency_ms=args.latency_ms,
                                    state=SimState(args.profile, settings, lm_entries=args.lm_entries))
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
        help="LogicMonitor audit entries seeded at start and every reset (default %(default)s)",
    )
    parser.add_argument(
        "--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE,
        help="answers to the API's open questions: default, or strict for the adverse answer of each "
             "(default %(default)s; kept over resets)",
    )
    parser.add_argument(
        "--setting", action="append", default=[], type=_setting, metavar="KEY=VALUE",
        help="start with a setting of the control API, on top of the profile and kept over resets; VALUE is "
             "JSON (true, 50, null) or else a string; repeat for more",
    )
    return parser


def _setting(text):
    key, equals, raw = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), raw


def _setting_value(key, raw):
    """The value of `--setting key=raw` and None, or None and the reason it is refused. The JSON reading
    comes first (true, 50, null), then the text itself ("user"; "404" when 404 is not acceptable)."""
    try:
        candidates = [json.loads(raw), raw]
    except ValueError:
        candidates = [raw]
    problems = [validate_setting(key, value) for value in candidates]
    for value, problem in zip(candidates, problems):
        if problem is None:
            return value, None
    return None, problems[0]


def _non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


if __name__ == "__main__":
    sys.exit(main())
