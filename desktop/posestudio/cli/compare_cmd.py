"""`posestudio compare A B -o OUT.mp4`: two clips on one clock, side by side, and their numbers aligned.

Each clip is analysed unless a cached analysis with the same model exists (the window's cache). The sync is
automatic (cross-correlation of the angle curves: one fixed offset), `dtw` (time warping, for two takes at
different speeds) or a marked moment, `--sync A_SECONDS,B_SECONDS`. Prints `offset_s` (B's time minus A's
time of the same moment) and the similarity with its meaning.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posestudio.cli.progress_line import ProgressLine
from posestudio.core.errors import PoseStudioError

JOINT_FAMILIES = ("knee", "hip", "elbow", "shoulder", "ankle")


def register(subparsers) -> None:
    from posestudio.cli.people_option import add_people_option
    from posestudio.core.models.registry import DEFAULT_MODEL, MODEL_IDS

    p = subparsers.add_parser(
        "compare", help="two clips side by side in sync (annotated MP4), with their angles on one clock",
        description="Put clip B on clip A's clock and write both side by side as an annotated H.264 MP4. "
                    "Prints offset_s (B's time minus A's time of the same moment) and how alike the aligned "
                    "angle curves are.")
    p.add_argument("a", metavar="A", help="the first video (its clock is the common one)")
    p.add_argument("b", metavar="B", help="the second video")
    p.add_argument("-o", "--output", required=True, metavar="OUT.mp4")
    p.add_argument("--sync", default="auto", metavar="auto|dtw|A_SECONDS,B_SECONDS",
                   help="auto: one offset from the angle curves (default); dtw: time warping for different "
                        "speeds; A_SECONDS,B_SECONDS: the same moment in each clip")
    p.add_argument("--data", metavar="ALIGNED.csv", help="also write both clips' angles on A's clock as CSV")
    p.add_argument("--angles", metavar="NAMES",
                   help="angles to align and write, comma-separated (default: the joint angles that move in both)")
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, choices=MODEL_IDS,
                   help=f"pose model used when a video has no cached analysis (default {DEFAULT_MODEL})")
    add_people_option(p)
    p.add_argument("--person-a", type=int, metavar="ID", help="whom to follow in A (track id; default: the person "
                                                               "seen in most frames)")
    p.add_argument("--person-b", type=int, metavar="ID", help="whom to follow in B")
    p.add_argument("--height", type=int, metavar="PIXELS", help="height of both halves (default: up to 720)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def parse_sync(value: str) -> tuple[str, tuple[float, float] | None]:
    """("auto"|"dtw", None) or ("events", (a_seconds, b_seconds))."""
    text = value.strip().lower()
    if text in ("auto", "dtw"):
        return text, None
    parts = text.split(",")
    try:
        a, b = (float(v) for v in parts)
    except ValueError:
        raise PoseStudioError(f"--sync {value} is not understood; give auto, dtw, or the same moment in each "
                              f"clip in seconds, e.g. --sync 2.4,1.1.") from None
    if a < 0 or b < 0:
        raise PoseStudioError(f"--sync {value} has a time before the first frame; give 0 or more seconds.")
    return "events", (a, b)


def open_video(path: str):
    from posestudio.core.video.source import VideoSource

    if not Path(path).is_file():
        raise PoseStudioError(f"{path} is not a file; give the path of a video.")
    return VideoSource(path)


def analysed(source, model: str, progress: ProgressLine, people: int | None = None):
    """The analysis of an open video (following up to `people`): cached, else made now (and cached)."""
    from posestudio.core.analysis.cache import analysis_for

    name = Path(source.path).name
    result = analysis_for(source, model, progress=lambda d, t: progress(f"{name}: analysing", d, t),
                          people=people)
    progress.end()
    return result


def angle_names(text: str | None, keypoint_names) -> list[str] | None:
    """Built-in angle names from a comma-separated list, checked against what the model's keypoints allow."""
    if not text:
        return None
    from posestudio.core.kinematics import DEFAULT_ANGLES, available_angles

    allowed = [a.name for a in available_angles(tuple(keypoint_names), list(DEFAULT_ANGLES))]
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise PoseStudioError(f"--angles: {', '.join(unknown) or '(none)'} is not an angle this model gives; "
                              f"choose from {', '.join(allowed)}.")
    return names


def person_curves(result, pid: int | None = None):
    """(person id, name -> degrees): built-in angles, smoothed, of `pid` or else the person in most frames."""
    from posestudio.core.analysis.person_angles import main_person, person_angles
    from posestudio.core.kinematics import DEFAULT_ANGLES, available_angles

    name = Path(result.video_path).name
    present = result.person_ids_present()
    if pid is not None and pid not in present:
        raise PoseStudioError(f"There is no person {pid} in {name}; the people are: "
                              f"{', '.join(map(str, present)) or 'none'}.")
    pid = main_person(result) if pid is None else pid
    if pid is None:
        raise PoseStudioError(f"No person was found in {name}; there is nothing to compare.")
    defs = available_angles(tuple(result.keypoint_names), list(DEFAULT_ANGLES))
    return pid, person_angles(result, pid, defs).angles


def run(args: argparse.Namespace) -> int:
    from posestudio.core.export.side_by_side import SideBySideOptions, export_side_by_side
    from posestudio.core.io.compare_tables import write_aligned
    from posestudio.core.kinematics import sync as synclib

    mode, marks = parse_sync(args.sync)
    out = Path(args.output)
    if out.suffix.lower() != ".mp4":
        raise PoseStudioError(f"The side-by-side clip is an MP4 file; name the output '{out.stem}.mp4'.")
    if args.data and Path(args.data).suffix.lower() != ".csv":
        raise PoseStudioError(f"--data writes CSV; name it '{Path(args.data).stem}.csv'.")
    if args.height is not None and args.height < 16:
        raise PoseStudioError(f"--height {args.height} is too small; give at least 16 pixels.")
    for v in (args.a, args.b):
        if Path(v).resolve() == out.resolve() or (args.data and Path(v).resolve() == Path(args.data).resolve()):
            raise PoseStudioError(f"The output would overwrite the video {v}; choose another name.")
    progress = ProgressLine(not args.quiet)
    with open_video(args.a) as src_a, open_video(args.b) as src_b:
        res_a = analysed(src_a, args.model, progress, args.people)
        res_b = analysed(src_b, args.model, progress, args.people)
        pid_a, curves_a = person_curves(res_a, args.person_a)
        pid_b, curves_b = person_curves(res_b, args.person_b)
        names = angle_names(args.angles, res_a.keypoint_names)
        if names is None:  # joint angles by default: segment slopes also change when the camera is turned
            names = [n for n in synclib.shared_angles(curves_a, curves_b)
                     if n.split("_", 1)[-1] in JOINT_FAMILIES] or None
        ta, tb = res_a.timestamps, res_b.timestamps
        sync = synclib.sync_by(mode, curves_a, ta, curves_b, tb, names, marks)
        columns = synclib.aligned_columns(curves_a, ta, curves_b, tb, sync, names)
        print(f"offset_s: {sync.offset_s:.3f}")
        print(f"similarity: {sync.similarity:.3f} ({sync.SIMILARITY_MEANING})")
        print(f"angles: {', '.join(sync.angles)}")
        options = SideBySideOptions(height=args.height, titles=(f"A: {Path(args.a).name}", f"B: {Path(args.b).name}"),
                                    person_a=pid_a, person_b=pid_b)
        report = export_side_by_side(src_a, res_a, src_b, res_b, sync, out, options,
                                     progress=lambda d, t: progress("side by side: writing", d, t))
        progress.end()
    if args.data:
        write_aligned(columns, args.data)
    extra = f" and {args.data}" if args.data else ""
    print(f"posestudio: {report.frames} frames {report.width}x{report.height} ({report.duration:.2f} s in common) "
          f"-> {out}{extra}", file=sys.stderr)
    return 0
