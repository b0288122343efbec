"""`posestudio batch INPUTS... -o OUTDIR`: every video analysed with the same settings, on all local cores
or a Dask cluster, resumable, with one table at the end (posestudio.core.batch does the work)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from posestudio.cli.analyze_cmd import DEFAULT_MODEL, MODEL_CHOICES, angle_options
from posestudio.cli.people_option import add_people_option
from posestudio.core.errors import PoseStudioError

EXIT_SOME_FAILED = 1

DESCRIPTION = """\
Analyse many videos with the same settings, one task per video. INPUTS are video files, folders (searched
recursively for video files) or text files (.txt, .lst, .list) listing one video path per line.

Where it runs: without --scheduler, on this machine's cores (--workers, default one per core): on a Dask
LocalCluster when Dask is installed (pip install 'posestudio[cluster]'), else on a process pool from the
standard library. With --scheduler tcp://HOST:8786 the tasks run on that Dask cluster's workers, which must
have Pose Studio and its models installed and see INPUTS and OUTDIR under the same paths.

Writes into OUTDIR, per video, <name>_<8 hex>.json (or --data csv/npz; the hex tells apart clips of the same
name from different folders) and with --video an annotated <name>_<8 hex>.mp4; then summary.csv (range of
motion, repetitions and cadence per video, person and angle, as `analyze --summary`) and manifest.json
(versions, model checksum, settings, and per video: status done/skipped/failed with the reason, frames,
seconds, output files). Every file is written atomically.

Resumable: a re-run with the same settings skips the videos already done (same file content, model and
settings); after Ctrl+C or a crash it goes on where it stopped. --force redoes everything.

Exit status: 0 every video done or skipped; 1 some videos failed (listed at the end and in manifest.json,
the others finished); 2 the command itself is wrong (nothing run); 130 interrupted."""


def register(subparsers) -> None:
    p = subparsers.add_parser("batch", help="analyse many videos on all cores or a Dask cluster, resumable, "
                                            "with one summary table", description=DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="video file, folder, or text file listing videos")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder for every output")
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, choices=MODEL_CHOICES,
                   help=f"pose model (default {DEFAULT_MODEL})")
    p.add_argument("--angles", nargs="?", const="", metavar="NAMES",
                   help="add joint angles and their velocities to each video's data file (the summary table "
                        "always has them); optionally only these comma-separated angles, as in `analyze`")
    p.add_argument("--video", action="store_true", help="also write an annotated MP4 per video")
    p.add_argument("--data", choices=("json", "csv", "npz"), default="json", metavar="FORMAT",
                   help="format of each video's data file: json (default), csv or npz")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://host:8786")
    p.add_argument("--force", action="store_true", help="redo every video, even those already done")
    p.add_argument("--min-score", metavar="FLOAT", default=None,
                   help="for angles: leave out joints scored below this (default as `analyze`)")
    p.add_argument("--cutoff", metavar="HZ", default=None, help="for angles: low-pass cutoff in Hz (as `analyze`)")
    p.add_argument("--no-smoothing", dest="smoothing", action="store_false", help="for angles: raw values")
    add_people_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr (failures are still listed)")
    p.set_defaults(func=run)


class Progress:
    """Videos done of total, frames/s over all workers, time left: one line on stderr, rewritten in a
    terminal, every few seconds otherwise (logs and CI)."""

    def __init__(self, enabled: bool):
        self.enabled, self.tty = enabled, sys.stderr.isatty()
        self.every = 0.5 if self.tty else 5.0
        self.total = self.done = self.failed = self.frames = 0
        self.start = self.last = time.monotonic()

    def started(self, to_run: int, skipped: int, runner: str) -> None:
        self.total, self.start = to_run, time.monotonic()
        if self.enabled:
            total = to_run + skipped
            print(f"posestudio: {total} video{'s' if total != 1 else ''}: {skipped} already done, {to_run} to analyse"
                  + (f" on {runner}." if to_run else "."), file=sys.stderr)

    def record(self, record: dict) -> None:
        self.done += 1
        self.failed += record.get("status") == "failed"
        self.frames += int(record.get("frames") or 0)
        now = time.monotonic()
        if self.enabled and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            elapsed = max(now - self.start, 1e-6)
            left = (self.total - self.done) * elapsed / self.done
            failed = f" ({self.failed} failed)" if self.failed else ""
            text = (f"batch: {self.done}/{self.total} videos{failed}, {self.frames / elapsed:.1f} frames/s, "
                    f"{_duration(left)} left")
            sys.stderr.write(f"\r{text:<78}" if self.tty else text + "\n")
            if self.tty and self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def _settings(args):
    from posestudio.core.batch.pipeline import DEFAULT_CUTOFF_HZ, DEFAULT_MIN_SCORE, model_sha256
    from posestudio.core.batch.plan import Settings
    from posestudio.core.batch.runner import local_cores

    args.min_score = DEFAULT_MIN_SCORE if args.min_score is None else args.min_score
    args.cutoff = DEFAULT_CUTOFF_HZ if args.cutoff is None else args.cutoff
    options = angle_options(args)
    angle_defs = None
    if args.angles:  # resolved here: custom angles saved in the window exist on this machine only
        from posestudio.core.kinematics import resolve_angles
        from posestudio.core.kinematics.custom_store import load_custom_angles

        angle_defs = tuple(resolve_angles(args.angles, load_custom_angles()))
    if args.workers is not None and args.workers < 1:
        raise PoseStudioError(f"--workers {args.workers} is less than 1; give at least one worker.")
    # locally the cores are shared out between the workers; on a cluster each task gets one thread
    # (start the Dask workers with one thread per core: --nworkers CORES --nthreads 1)
    threads = 1 if args.scheduler else max(1, local_cores() // (args.workers or local_cores()))
    return Settings(model=args.model, model_sha256=model_sha256(args.model), data_format=args.data,
                    angles=args.angles is not None, angle_defs=angle_defs, video=args.video, threads=threads,
                    people=args.people, **options)


def run(args: argparse.Namespace) -> int:
    from posestudio.core.batch.job import run_batch
    from posestudio.core.batch.plan import find_videos, plan_tasks
    from posestudio.core.batch.runner import local_cores

    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise PoseStudioError(f"{out_dir} is a file; the batch output must be a folder.")
    settings = _settings(args)  # a missing model stops here: one sentence, exit 2
    tasks = plan_tasks(find_videos(args.inputs, out_dir))
    progress = Progress(not args.quiet)
    try:
        outcome = run_batch(tasks, settings, out_dir, workers=args.workers or local_cores(),
                            scheduler=args.scheduler, force=args.force, on_start=progress.started,
                            on_record=progress.record)
    except KeyboardInterrupt:
        print(f"\nposestudio: stopped after {progress.done} of {progress.total} videos; the same command goes on "
              f"where this run stopped ({out_dir / 'manifest.json'} lists what is done).", file=sys.stderr)
        raise
    failed = outcome.with_status("failed")
    for record in failed:
        print(f"posestudio: failed: {record['video']}: {record.get('reason')}", file=sys.stderr)
    counts = {s: len(outcome.with_status(s)) for s in ("done", "skipped", "failed")}
    print(f"posestudio: {counts['done']} done, {counts['skipped']} skipped (done before), {counts['failed']} failed; "
          f"table {outcome.summary}, manifest {outcome.manifest}.", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0
