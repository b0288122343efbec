"""`posestudio [VIDEO]` opens the window; subcommands run core jobs headless.

Each subcommand lives in its own module exposing `register(subparsers)`; the handler it sets as
`func` returns an exit code. User-facing failures are one sentence on stderr, tracebacks go to the log.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from posestudio import __version__
from posestudio.core.errors import PoseStudioError
from posestudio.core.logs import setup_logging

log = logging.getLogger(__name__)

# subcommand name -> module under posestudio.cli
SUBCOMMANDS = {
    "models": "models_cmd",
    "analyze": "analyze_cmd",
    "eval": "eval_cmd",
    "bench": "bench_cmd",
    "export": "export_cmd",
    "batch": "batch_cmd",
    "compare": "compare_cmd",
    "cycles": "cycles_cmd",
    "live": "live_cmd",
}
EXIT_USAGE = 2


def _subcommand_parser(name: str) -> argparse.ArgumentParser:
    # Only the chosen subcommand's module is imported, so `posestudio models list` stays quick.
    parser = argparse.ArgumentParser(prog="posestudio", description="Pose Studio: movement analysis in video.")
    parser.add_argument("--version", action="version", version=f"posestudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    importlib.import_module(f"posestudio.cli.{SUBCOMMANDS[name]}").register(sub)
    return parser


def _window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posestudio",
        description="Open the Pose Studio window. Subcommands: " + ", ".join(SUBCOMMANDS) + " (see `posestudio COMMAND -h`).",
    )
    parser.add_argument("--version", action="version", version=f"posestudio {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check that every bundled model loads and runs, and that video decoding and encoding work")
    parser.add_argument("videos", nargs="*", metavar="VIDEO", help="video file(s) to open")
    parser.add_argument("--camera", nargs="?", const="0", metavar="INDEX|DEVICE|URL",
                        help="open the window live on a camera (default 0) or a stream address (rtsp://, udp://...)")
    return parser


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # batch export starts worker processes; frozen bundles need this
    argv = list(sys.argv[1:] if argv is None else argv)
    setup_logging()
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = _subcommand_parser(argv[0]).parse_args(argv)
            from posestudio.core.pools import opencv_on_callers_threads

            opencv_on_callers_threads()
            return int(args.func(args) or 0)
        if argv and argv[0] in ("-h", "--help") and len(argv) == 1:
            _window_parser().print_help()
            print("\nsubcommands:\n  " + "\n  ".join(f"posestudio {name} -h" for name in SUBCOMMANDS))
            return 0
        args = _window_parser().parse_args(argv)
        if args.self_test:
            from posestudio.selftest import run_self_test

            return run_self_test()
        from posestudio.app.launch import launch

        return launch(args.videos, camera=args.camera)
    except PoseStudioError as exc:
        log.exception("command failed")
        print(f"posestudio: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("posestudio: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a sentence on stderr, the traceback in the log
        log.exception("unexpected error")
        from posestudio.core.logs import log_file

        print(f"posestudio: unexpected error ({type(exc).__name__}: {exc}); details are in {log_file()}.",
              file=sys.stderr)
        return 1
