"""`posestudio export VIDEO [VIDEO...] -o OUT.mp4|FOLDER`: annotated clips (and their numbers), headless.

Each video is analysed first unless a cached analysis with the same model exists (the window's cache, so
what was analysed there exports at once); new analyses are saved to that cache. Several videos with
`-o FOLDER` run as a batch, one process per video over all cores, with one overall progress line.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import logging
import multiprocessing
import os
import queue
import sys
from dataclasses import dataclass
from pathlib import Path

from posestudio.core.errors import PoseStudioError
from posestudio.core.io import formats
from posestudio.cli.progress_line import ProgressLine
from posestudio.cli.people_option import add_people_option

log = logging.getLogger(__name__)

DATA_FORMATS = formats.suffixes(formats.DATA)
OUT_SUFFIX = "_annotated"   # folder outputs: <stem>_annotated.mp4, never the source's own name


def register(subparsers) -> None:
    from posestudio.cli.analyze_cmd import DEFAULT_MODEL, MODEL_CHOICES

    p = subparsers.add_parser(
        "export", help="write annotated MP4 clips (skeleton, angles) and their numbers as "
                       f"{formats.named(formats.DATA, False).upper()}",
        description="Export each video as an H.264 MP4 with the skeleton drawn on it (analysing it first unless "
                    "a cached analysis exists). With several videos OUT is a folder that gets "
                    f"<name>{OUT_SUFFIX}.mp4 per video, made in parallel over all cores.")
    p.add_argument("videos", nargs="+", metavar="VIDEO")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.mp4, or a folder")
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, choices=MODEL_CHOICES,
                   help=f"pose model used when the video has no cached analysis (default {DEFAULT_MODEL})")
    p.add_argument("--start", type=float, metavar="SECONDS", help="in point, seconds from the first frame")
    p.add_argument("--end", type=float, metavar="SECONDS", help="out point (exclusive), seconds")
    p.add_argument("--height", type=int, metavar="PIXELS", help="output height (width follows; default: original)")
    p.add_argument("--angles", action="store_true", help="write joint angle values next to the joints")
    p.add_argument("--plot", nargs="?", const="", metavar="ANGLE,ANGLE",
                   help="add a small angle plot with a moving cursor (default: left_knee,right_knee)")
    p.add_argument("--title", help="a title in the top-left corner")
    p.add_argument("--raw", action="store_true", help="unsmoothed angles (default: smoothed, as the window shows)")
    p.add_argument("--no-audio", action="store_true", help="leave the sound out")
    p.add_argument("--data", metavar="OUT" + "|".join(DATA_FORMATS),
                   help="also write the numbers (whole clip); with several videos give just the format, e.g. csv")
    p.add_argument("--long", action="store_true", help="long (tidy) CSV: frame, time_s, person, variable, value")
    add_people_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


@dataclass
class Job:
    video: Path
    out: Path
    data: Path | None
    model: str
    start: float | None
    end: float | None
    height: int | None
    angles: bool
    plot: str | None   # None = no plot; "" = default angles; else comma-separated names
    title: str | None
    smooth: bool
    audio: bool
    long: bool
    people: int | None = None


def _check_args(args) -> None:
    if args.start is not None and args.start < 0:
        raise PoseStudioError(f"--start {args.start:g} is before the first frame; give 0 or more seconds.")
    if args.start is not None and args.end is not None and args.end <= args.start:
        raise PoseStudioError(f"--end {args.end:g} is not after --start {args.start:g}; give an end later than the start.")
    if args.height is not None and args.height < 16:
        raise PoseStudioError(f"--height {args.height} is too small; give at least 16 pixels.")
    if args.long and not args.data:
        raise PoseStudioError("--long sets the layout of the --data CSV; add --data OUT.csv.")
    from posestudio.core.video.source import VideoSource

    for v in args.videos:
        if not Path(v).is_file():
            raise PoseStudioError(f"{v} is not a file; give the path of a video.")
        with VideoSource(v):  # unreadable videos stop here with the video module's sentence
            pass


def _data_format(value: str) -> str:
    ext = "." + value.lower().lstrip(".")
    if ext not in DATA_FORMATS:
        raise PoseStudioError(f"Cannot write '{value}' data; use {formats.named(formats.DATA, False)}.")
    return ext


def plan_jobs(args) -> list[Job]:
    """Where each video's clip and data go; raises PoseStudioError (one sentence) for unusable outputs."""
    videos = [Path(v) for v in args.videos]
    output = Path(args.output)
    single = len(videos) == 1 and output.suffix and not output.is_dir()
    if single:
        if output.suffix.lower() != ".mp4":
            raise PoseStudioError(f"Annotated clips are MP4 files; name the output '{output.stem}.mp4' or a folder.")
        outs = [output]
    else:
        if output.exists() and not output.is_dir():
            raise PoseStudioError(f"{output} is a file; with several videos the output must be a folder.")
        outs, used = [], set()
        for v in videos:
            name, n = f"{v.stem}{OUT_SUFFIX}.mp4", 2
            while name in used:  # same names from different folders
                name, n = f"{v.stem}{OUT_SUFFIX}_{n}.mp4", n + 1
            used.add(name)
            outs.append(output / name)
    datas: list[Path | None] = [None] * len(videos)
    if args.data:
        data = Path(args.data)
        if single and data.suffix:
            _data_format(data.suffix)
            datas = [data]
        else:
            ext = _data_format(data.suffix or data.name)
            if data.suffix:
                raise PoseStudioError("With several videos give --data as a format only "
                                      f"({formats.named(formats.DATA, False)}).")
            datas = [o.with_suffix(ext) for o in outs]
        if args.long and any(d is not None and d.suffix.lower() != ".csv" for d in datas):
            raise PoseStudioError("--long is for CSV data; name the data file .csv or drop --long.")
    for v, o in zip(videos, outs):
        if o.resolve() == v.resolve():
            raise PoseStudioError(f"The output {o} is the video itself; choose another name.")
    return [Job(v, o, d, args.model, args.start, args.end, args.height, args.angles, args.plot, args.title,
                not args.raw, not args.no_audio, args.long, args.people) for v, o, d in zip(videos, outs, datas)]


def run_job(job: Job, progress=None) -> str:
    """Analyse (if needed) and export one video. progress(phase, done, total); returns a one-line summary."""
    from posestudio.core.analysis.cache import analysis_for
    from posestudio.core.export.video_export import VideoExportOptions, export_video
    from posestudio.core.kinematics.custom_store import load_custom_angles
    from posestudio.core.render import OverlayOptions
    from posestudio.core.video.source import VideoSource

    def phase(name):
        return (lambda d, t: progress(name, d, t)) if progress else None

    custom = tuple(load_custom_angles())  # the angles the user made in the window
    with VideoSource(job.video) as source:
        result = analysis_for(source, job.model, progress=phase("analyse"), people=job.people,
                              warn=lambda text: print(f"posestudio: {text}", file=sys.stderr))
        plot_angles = tuple(n.strip() for n in (job.plot or "").split(",") if n.strip())
        overlay = OverlayOptions(angles=job.angles, plot=job.plot is not None, plot_angles=plot_angles,
                                 title=job.title)
        options = VideoExportOptions(start=job.start, end=job.end, height=job.height, overlay=overlay,
                                     smooth=job.smooth, audio=job.audio, custom_angles=custom)
        report = export_video(source, job.out, result, options, progress=phase("export"))
    if job.data is not None:
        formats.export_data(result, job.data, long=job.long, smooth=job.smooth, custom=custom)
    sound = f", sound {report.audio}" if report.audio else ""
    extra = f" and {job.data}" if job.data else ""
    note = f" ({result.note})" if result.note else ""
    return (f"{job.video.name}: {report.frames} frames {report.width}x{report.height}{sound} "
            f"-> {job.out}{extra}{note}")


def _batch_worker(index: int, job: Job, updates) -> str:
    def progress(phase, done, total):
        # analysing is the first half of a video's work, exporting the second
        frac = (0.0 if phase == "analyse" else 0.5) + 0.5 * done / max(total, 1)
        try:
            updates.put_nowait((index, frac))
        except Exception:  # progress is best effort
            pass

    return run_job(job, progress)


def run_batch(jobs: list[Job], quiet: bool) -> int:
    workers = min(len(jobs), os.cpu_count() or 1)
    line = ProgressLine(not quiet)
    fractions = [0.0] * len(jobs)
    failed = 0
    with multiprocessing.Manager() as manager:
        updates = manager.Queue()
        with cf.ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_batch_worker, i, job, updates): i for i, job in enumerate(jobs)}
            pending = set(futures)
            finished = 0
            while pending:
                done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                while True:
                    try:
                        i, frac = updates.get_nowait()
                    except queue.Empty:
                        break
                    fractions[i] = max(fractions[i], frac)
                for fut in done:
                    i = futures[fut]
                    fractions[i] = 1.0
                    finished += 1
                    line.end()
                    try:
                        print(f"posestudio: {fut.result()}", file=sys.stderr)
                    except PoseStudioError as exc:
                        failed += 1
                        print(f"posestudio: {jobs[i].video.name}: {exc}", file=sys.stderr)
                    except Exception as exc:  # a crash in one worker must not stop the others
                        failed += 1
                        log.error("exporting %s failed", jobs[i].video, exc_info=exc)
                        print(f"posestudio: {jobs[i].video.name}: unexpected error ({type(exc).__name__}: {exc}).",
                              file=sys.stderr)
                overall = 100.0 * sum(fractions) / len(jobs)
                line.show(f"export: {finished}/{len(jobs)} videos, {overall:5.1f}% ({workers} processes)",
                          force=not pending)
    line.end()
    return 2 if failed else 0


def run(args: argparse.Namespace) -> int:
    _check_args(args)
    jobs = plan_jobs(args)
    from posestudio.core.atomic import prepare_output

    for job in jobs:  # before any analysis: a path that cannot be written is one sentence, exit 2
        prepare_output(job.out)
        if job.data is not None:
            prepare_output(job.data)
    from posestudio.core.analysis.cache import load_cached
    from posestudio.core.models.registry import model_path

    if any(load_cached(job.video, args.model, args.people) is None for job in jobs):
        model_path(args.model)  # a missing model stops everything before any work: one sentence, exit 2
    if len(jobs) > 1:
        return run_batch(jobs, args.quiet)
    line = ProgressLine(not args.quiet)
    job = jobs[0]

    def progress(phase, done, total):
        line.show(f"{job.video.name}: {'analysing' if phase == 'analyse' else 'exporting'} {done}/{total} frames",
                  force=done == total)

    try:
        summary = run_job(job, progress)
    finally:
        line.end()
    print(f"posestudio: {summary}", file=sys.stderr)
    return 0
