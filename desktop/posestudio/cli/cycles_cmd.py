"""`posestudio cycles VIDEO -o cycles.csv`: strides (walking, running) or repetitions (exercises), each
normalised to 0-100 %, and per angle the mean curve with its SD as CSV (`clip,person,angle,cycle_pct,mean,sd,n`).

Uses the cached analysis when there is one (the window's cache), else analyses and caches. Everyone seen in
at least a quarter of the clip is measured (or the person given with --person); prints one line per side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posestudio.core.errors import PoseStudioError

MIN_SHARE = 0.25  # a person seen in less of the clip is a passer-by, not whom the clip is about


def register(subparsers) -> None:
    from posestudio.cli.people_option import add_people_option
    from posestudio.core.models.registry import DEFAULT_MODEL, MODEL_IDS

    p = subparsers.add_parser(
        "cycles", help="strides or repetitions normalised to 0-100 %%, mean and SD per angle, as CSV",
        description="Split the movement into cycles - strides from a foot's contact to its next contact "
                    "(walking or running seen from the side) or repetitions of an exercise - normalise each to "
                    "0-100 % and write per angle the mean curve with its SD. Prints one line per side.")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("-o", "--output", required=True, metavar="CYCLES.csv")
    p.add_argument("--angles", metavar="NAMES", help="angles in the table, comma-separated (default: the joint "
                                                     "angles: knees, hips, ankles, shoulders, elbows)")
    p.add_argument("--start", type=float, metavar="SECONDS", help="only cycles starting at or after this time")
    p.add_argument("--end", type=float, metavar="SECONDS", help="only cycles ending at or before this time")
    p.add_argument("--kind", choices=("auto", "gait", "repetitions"), default="auto",
                   help="gait: strides; repetitions: exercise repetitions; auto (default): gait when the knees "
                        "bend in turn at a steady pace")
    p.add_argument("--person", type=int, metavar="ID", help="only this person (track id, as in the window)")
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, choices=MODEL_IDS,
                   help=f"pose model used when the video has no cached analysis (default {DEFAULT_MODEL}; "
                        "movenet-multipose keeps several people apart)")
    add_people_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _people(result, wanted: int | None) -> list[int]:
    from posestudio.core.analysis.person_angles import track_lengths

    found = track_lengths(result.person_ids)
    if wanted is not None:
        if wanted not in [pid for pid, _ in found]:
            ids = ", ".join(str(pid) for pid, _ in found) or "none"
            raise PoseStudioError(f"There is no person {wanted} in this analysis; the people are: {ids}.")
        return [wanted]
    people = [pid for pid, n in found if n >= MIN_SHARE * result.frame_count]
    if not people:
        raise PoseStudioError(f"No person is seen in a quarter of {Path(result.video_path).name}; there are no "
                              f"cycles to measure.")
    return people


def describe(side, count: int, seconds: float, kind: str) -> str:
    noun = "stride" if kind == "gait" else "repetition"
    plural = noun if count == 1 else noun + "s"
    if count == 0:
        need = "two contacts of the same foot" if kind == "gait" else "two repetitions with rest between"
        return f"{side}: 0 {plural} (needs {need} in the range)"
    return f"{side}: {count} {plural}, {seconds:.2f} s per {noun}"


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.compare_cmd import JOINT_FAMILIES, analysed, angle_names, open_video
    from posestudio.cli.progress_line import ProgressLine
    from posestudio.core.analysis.person_angles import person_angles
    from posestudio.core.io.compare_tables import write_cycle_table
    from posestudio.core.kinematics import DEFAULT_ANGLES, available_angles
    from posestudio.core.kinematics.cycles import cycle_rows, person_cycles

    out = Path(args.output)
    if out.suffix.lower() != ".csv":
        raise PoseStudioError(f"The cycle table is a CSV file; name the output '{out.stem}.csv'.")
    if Path(args.video).resolve() == out.resolve():
        raise PoseStudioError("The output would overwrite the video; choose another name.")
    if args.start is not None and args.end is not None and args.end <= args.start:
        raise PoseStudioError(f"--end {args.end:g} is not after --start {args.start:g}; "
                              f"give an end later than the start.")
    progress = ProgressLine(not args.quiet)
    with open_video(args.video) as source:
        result = analysed(source, args.model, progress, args.people)
    names = tuple(result.keypoint_names)
    defs = available_angles(names, list(DEFAULT_ANGLES))
    wanted = angle_names(args.angles, names) or [a.name for a in defs if a.name.split("_", 1)[-1] in JOINT_FAMILIES]
    people = _people(result, args.person)
    rows, lines = [], []
    for pid in people:
        angles = person_angles(result, pid, defs).angles
        report = person_cycles(result.track(pid), result.timestamps, names, {n: angles[n] for n in wanted},
                               kind=args.kind, start=args.start, end=args.end, driver_angles=angles)
        rows += cycle_rows(report, Path(args.video).name, pid)
        prefix = f"person {pid} " if len(people) > 1 else ""
        for side in ("left", "right"):
            sc = report.sides.get(side)
            count, seconds = (sc.count, sc.mean_duration) if sc else (0, float("nan"))
            lines.append(prefix + describe(side, count, seconds, report.kind))
    write_cycle_table(rows, out)
    print("\n".join(lines))
    print(f"posestudio: {len(rows)} rows -> {out}", file=sys.stderr)
    return 0
