"""`--people N`, the same on analyze, export, bench and batch."""

from __future__ import annotations

import argparse


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of people; give a whole number, 1 or more")
    return n


def add_people_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--people", type=_count, default=None, metavar="N",
                        help="follow up to N people (default: one; movenet-multipose up to 6). BlazePose with "
                             "N > 1 gives each person 33 keypoints and costs about one model run per person")
