"""`posestudio models list` and `posestudio models build [IDS...] [--force]`."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list or build the pose models",
                                   description="List or build the ONNX pose models.")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: _help(parser))

    listing = sub.add_parser("list", help="one line per model: id, keypoints, input size, file size, state")
    listing.set_defaults(func=_list)

    build = sub.add_parser("build", help="download, convert, verify and install models (all by default)")
    build.add_argument("ids", nargs="*", metavar="ID", help="model ids (BlazePose ids pull in the detector)")
    build.add_argument("--force", action="store_true", help="rebuild even when present and verified")
    build.set_defaults(func=_build)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _size(n: int | None) -> str:
    return f"{n / 1e6:.1f} MB" if n is not None else "-"


def _list(args) -> int:
    from posestudio.core.models.registry import status

    for row in status():
        h, w = row["input_size"]
        state = "present" if row["present"] else "missing"
        verified = {True: "verified", False: "NOT verified (rebuild with --force)", None: "-"}[row["verified"]]
        print(f"{row['id']:<19} {row['keypoints'] or 'person boxes':<12} {h}x{w:<5} {_size(row['size']):>9}  "
              f"{state:<8} {verified}")
    return 0


def _build(args) -> int:
    from posestudio.core.models.build import build

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    build(args.ids or None, progress=progress, force=args.force)
    return 0
