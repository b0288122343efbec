"""`posestudio eval ANNOTATIONS.json --model ID`: top-down keypoint accuracy on COCO-style labels."""

from __future__ import annotations

import argparse

from posestudio.cli.analyze_cmd import MODEL_CHOICES


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="measure keypoint accuracy (PCK) on COCO-style annotations",
        description="Crop each annotated person (box x 1.25, square), run the model, and print pck_0.2_torso, "
                    "pck_0.1_bbox, persons, keypoints and missed_persons, one `name: value` per line.")
    p.add_argument("annotations", metavar="ANNOTATIONS.json")
    p.add_argument("--model", "-m", default="movenet-lightning", choices=MODEL_CHOICES)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posestudio.bench.accuracy import evaluate

    report = evaluate(args.annotations, args.model)
    print("\n".join(report.lines()))
    return 0
