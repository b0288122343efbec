"""`posestudio analyze VIDEO [VIDEO...] --model ID -o OUT`: poses for whole videos, headless."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

from posestudio.core.atomic import prepare_output
from posestudio.core.errors import ModelMissingError, OutputPathError, PoseStudioError
from posestudio.core.io import formats
from posestudio.core.kinematics.filtering import DEFAULT_CUTOFF_HZ
from posestudio.core.models.registry import DEFAULT_MODEL, MODEL_IDS
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
from posestudio.cli.people_option import add_people_option

log = logging.getLogger(__name__)

# BlazePose full by default (as in the window): on the COCO images it is as accurate as Lightning by torso PCK
# and better by box PCK (0.879 vs 0.845), it rejects the no-person clip entirely, and its 33 keypoints include
# heels and toes, which ankle angles need. Lightning analyses 720p a little faster (111 vs 104 frames/s).
MODEL_CHOICES = MODEL_IDS
FORMATS = formats.suffixes(formats.ANALYSIS)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help=f"analyse videos and write the keypoints as {formats.named(formats.ANALYSIS, False).upper()}",
        description=f"Analyse each video with a pose model. OUT's extension picks the format ({', '.join(FORMATS)}); "
                    "with several videos OUT is a folder that gets one file per video.")
    p.add_argument("videos", nargs="+", metavar="VIDEO")
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, choices=MODEL_CHOICES,
                   help=f"pose model (default {DEFAULT_MODEL}: 33 keypoints incl. feet; movenet-lightning is a little "
                        "faster; movenet-multipose finds up to 6 people)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file, or folder for several videos")
    p.add_argument("--format", choices=[f[1:] for f in FORMATS],
                   help="file format when OUT is a folder (default json)")
    p.add_argument("--angles", nargs="?", const="", metavar="NAMES",
                   help="add joint angles (degrees, smoothed unless --no-smoothing) and their velocities (deg/s) "
                        "per person to JSON/CSV; optionally only these comma-separated angles: built-in names, "
                        "custom angles saved in the window, or definitions such as "
                        "knee_abs=left_hip,left_knee,left_ankle")
    p.add_argument("--summary", metavar="OUT.csv",
                   help="also write range of motion and repetitions per video, person and angle to this CSV")
    # Parsed as text and checked in run(), so a bad value gets one sentence like every other user error.
    p.add_argument("--min-score", metavar="FLOAT", default=str(DEFAULT_MIN_SCORE),
                   help=f"for angles: leave out joints the model scored below this, 0 to 1 (default "
                        f"{DEFAULT_MIN_SCORE:g}, the window's confidence threshold)")
    p.add_argument("--cutoff", metavar="HZ", default=str(DEFAULT_CUTOFF_HZ),
                   help=f"for angles: low-pass cutoff in Hz, lower is smoother (default {DEFAULT_CUTOFF_HZ:g})")
    p.add_argument("--no-smoothing", dest="smoothing", action="store_false",
                   help="for angles: raw values straight from the keypoints (no outlier rejection, gap filling "
                        "or low-pass), as the window with smoothing unticked")
    add_people_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


class ProgressBar:
    """One self-overwriting line on stderr: name, frames, percent, frames per second."""

    def __init__(self, name: str, stream=None, enabled: bool = True):
        self.name, self.stream, self.enabled = name, stream or sys.stderr, enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        fps = done / max(now - self.start, 1e-6)
        pct = 100.0 * done / total if total else 100.0
        self.stream.write(f"\r{self.name}: {done}/{total} frames {pct:5.1f}% {fps:6.1f} fps ")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


def output_paths(videos: list[Path], output: Path, fmt: str | None) -> list[Path]:
    """Where each video's result goes: OUT itself for one video with an extension, else OUT/<stem>.<ext>."""
    if fmt is not None:
        fmt = "." + fmt.lstrip(".")
    single_file = len(videos) == 1 and output.suffix.lower() in FORMATS and not output.is_dir()
    if single_file:
        if fmt is not None and fmt != output.suffix.lower():
            raise PoseStudioError(f"The output {output.name} does not end in {fmt}; give one format only.")
        return [output]
    if len(videos) == 1 and output.suffix and not output.is_dir():
        raise PoseStudioError(f"Cannot write '{output.suffix}' files; name the output {formats.named(formats.ANALYSIS)}.")
    if output.exists() and not output.is_dir():
        raise PoseStudioError(f"{output} is a file; with several videos the output must be a folder.")
    ext = fmt or ".json"
    paths, used = [], set()
    for video in videos:
        name, n = f"{video.stem}{ext}", 2
        while name in used:  # two clips with the same name from different folders
            name, n = f"{video.stem}_{n}{ext}", n + 1
        used.add(name)
        paths.append(output / name)
    return paths


def _wanted_angles(text: str | None):
    """AngleDefs named on the command line (None: every angle the model allows). Names are looked up among
    the built-in angles and the custom ones saved in the window, before any video is analysed."""
    if not text:
        return None
    from posestudio.core.kinematics import resolve_angles
    from posestudio.core.kinematics.custom_store import load_custom_angles

    return resolve_angles(text, load_custom_angles())


def _number(text: str, option: str, what: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise PoseStudioError(f"{option} {text} is not a number; give {what}.")
    return value


def angle_options(args: argparse.Namespace) -> dict:
    """min_score, smoothing, cutoff_hz for angle_columns, checked before any video is opened."""
    min_score = _number(args.min_score, "--min-score", "a score from 0 to 1, e.g. --min-score 0.5")
    if not 0.0 <= min_score <= 1.0:
        raise PoseStudioError(f"--min-score {args.min_score} is outside 0 to 1; give a score such as 0.5.")
    cutoff = _number(args.cutoff, "--cutoff", "a frequency in Hz above 0, e.g. --cutoff 4")
    if cutoff <= 0.0:
        raise PoseStudioError(f"--cutoff {args.cutoff} is not above 0 Hz; give a frequency such as 4, "
                              "or use --no-smoothing for raw angles.")
    return {"min_score": min_score, "smoothing": bool(args.smoothing), "cutoff_hz": cutoff}


def _cutoff_note(result, options: dict) -> str | None:
    """Why the low-pass does nothing for this clip, if it does nothing (the filter skips a cutoff at or
    above half the frame rate, which users would otherwise not notice)."""
    if options["smoothing"] and result.fps and options["cutoff_hz"] >= result.fps / 2:
        return (f"--cutoff {options['cutoff_hz']:g} Hz is not below half the frame rate "
                f"({result.fps / 2:g} Hz), so the angles were not low-pass filtered.")
    return None


def sudden_note(person: int, table) -> str | None:
    """Where a person's angle curves change suddenly (see kinematics.sudden), for the user to check."""
    from posestudio.core.kinematics.sudden import SUDDEN_RATE, sudden_changes

    changes = sudden_changes(table)
    if not changes:
        return None
    where = "; ".join(f"frame {c.frame} ({c.time:.2f} s: {', '.join(c.names[:3])}"
                      f"{' and more' if len(c.names) > 3 else ''})" for c in changes[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    return (f"person {person}: {len(changes)} sudden change{'s' if len(changes) > 1 else ''} in the angle curves "
            f"(faster than {SUDDEN_RATE:g}°/s) at {where}{more}. Check the video there: where the model drew a "
            f"body part wrong, leave it out in the window (right-click the plot).")


def run(args: argparse.Namespace) -> int:
    from posestudio.core.analysis.person_angles import angle_columns, angle_settings
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.io.summary_table import summary_rows, write_summary
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    videos = [Path(v) for v in args.videos]
    outputs = output_paths(videos, Path(args.output), args.format)
    if args.summary and Path(args.summary).suffix.lower() != ".csv":
        raise PoseStudioError(f"The summary {Path(args.summary).name} must be a .csv file; name it e.g. summary.csv.")
    options = angle_options(args)
    wanted = _wanted_angles(args.angles)
    for out in outputs + ([Path(args.summary)] if args.summary else []):
        prepare_output(out)  # before any analysis: a path that cannot be written is one sentence, exit 2
    summary = []
    estimator = None
    failed = 0
    for video, out in zip(videos, outputs):
        bar = ProgressBar(video.name, enabled=not args.quiet)
        try:
            with VideoSource(video) as source:
                if estimator is None:  # after the first video opens, so a bad file is reported as such
                    # a missing model raises: one sentence, exit 2
                    estimator = create_estimator(args.model, people=args.people)
                result = analyse_video(source, args.model, progress=bar, estimator=estimator)
            bar.close()
            with_angles = args.angles is not None
            wants_angles = with_angles or bool(args.summary)
            extra, tables = angle_columns(result, wanted, **options) if wants_angles else ({}, {})
            formats.write_result(result, out, extra if with_angles else None,
                         angle_settings(**options) if with_angles else None)
            summary += summary_rows(result, tables)
            notes = [result.note, _cutoff_note(result, options) if wants_angles else None]
            notes += [sudden_note(pid, table) for pid, table in tables.items()]
            for note in notes:
                if note:
                    print(f"posestudio: {video.name}: {note}", file=sys.stderr)
        except (ModelMissingError, OutputPathError):
            bar.close()
            raise  # no video can be analysed or written (disk full, ...): the dispatcher prints the sentence, exit 2
        except PoseStudioError as exc:
            bar.close()
            log.warning("analysing %s failed", video, exc_info=True)
            print(f"posestudio: {exc}", file=sys.stderr)
            failed += 1
    if args.summary:
        write_summary(summary, args.summary)
    return 2 if failed else 0
