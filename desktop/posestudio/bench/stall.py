"""The window's analysis speed against the command line's, and how long the GUI event loop stalls.

    python -m posestudio.bench.stall [VIDEO] [--models A,B] [--loop-minutes M] [--clips both|short|long]

One run measures every case the window has to keep up in (issue 19): the clip (default: the dumbbell clip)
and an M-minute loop of it (default 5, made by repeating the clip into a temporary folder, never kept),
each with every model given (default BlazePose full and MoveNet Lightning). For each case, on the same clip:
the command line's analysis (`cli_fps`, core.analysis.run as `posestudio analyze` calls it), the window's
analysis with the clip paused (`window_fps`) and while it plays at normal speed, looping until the analysis
is done (`window_playing_fps`), their ratios, the CPU the whole process spent per analysed frame in each
(`cpu_ms_per_frame`: it holds on a loaded machine, where frames/s do not), and the event loop's stalls: a
4 ms timer records when the event loop gets round to it; the gaps between its ticks are the stalls a user
would feel (target: none over 50 ms), also with the window open and nothing to do (idle). --threads adds
where each run's CPU went, by thread. Settings and the analysis cache go to a temporary folder, so every
run analyses from scratch and leaves the user's choices alone. Without a display it runs offscreen
(`xvfb-run -a` paints as a desktop would).

The command-line analysis runs at the window analysis thread's priority (nice 10 on Linux) unless
--cli-priority normal: on a machine shared with other work the niceness alone changes the speed, and the
point is what the window costs besides the analysis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from posestudio.bench.window_runs import cli_run, idle_run, stall_stats, window_run  # noqa: F401

DEFAULT_VIDEO = "sports2d_demo5_dumbbell_lateral_raise.mp4"
DEFAULT_MODELS = "blazepose-full,movenet-lightning"
IDLE_S = 3.0  # measured first with nothing happening: the floor that other processes on the machine set


def default_video() -> Path:
    from posestudio.core.paths import repo_root

    root = repo_root() or Path.cwd()
    return root.parent / "shared" / "data" / "videos" / DEFAULT_VIDEO


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure_case(app, settings, video: Path, model: str, root: Path, args, tag: str) -> dict:
    """Rounds of the three measurements on one clip with one model, interleaved (the machine's load drifts),
    every other round in reverse order, so a drift in the load favours no mode."""
    settings.model_id = model
    runs = {
        "cli": lambda r: cli_run(video, model, args.cli_priority == "same", args.max_seconds),
        "paused": lambda r: window_run(app, settings, video, False, root / f"cache-{tag}-p{r}", args.max_seconds),
        "played": lambda r: window_run(app, settings, video, True, root / f"cache-{tag}-w{r}", args.max_seconds),
    }
    case = {mode: [] for mode in runs}
    for r in range(args.repeat):
        for mode in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            case[mode].append(runs[mode](r))
    return case


def case_figures(case: dict) -> dict:
    cli, paused, played = case["cli"], case["paused"], case["played"]
    c, p, w = _median(cli, "fps"), _median(paused, "fps"), _median(played, "fps")
    worst = max(paused + played, key=lambda r: r["longest_stall_ms"])
    return {
        "cli_fps": c, "window_fps": p, "window_playing_fps": w,
        "window_over_cli": p / c if c else 0.0, "window_playing_over_cli": w / c if c else 0.0,
        "stalls_over_50ms": max(r["over_50ms"] for r in paused + played),
        "longest_stall_ms": worst["longest_stall_ms"],
        "p99_stall_ms": max(r["p99_stall_ms"] for r in paused + played),
        "longest_gui_busy_ms": max(r["longest_busy_ms"] for r in paused + played),
        "gui_busy_over_50ms": max(r["busy_over_50ms"] for r in paused + played),
        "cpu_ms_per_frame_cli": _median(cli, "cpu_ms_per_frame"),
        "cpu_ms_per_frame_paused": _median(paused, "cpu_ms_per_frame"),
        "cpu_ms_per_frame_playing": _median(played, "cpu_ms_per_frame"),
        "worst": worst["worst"], "frames_shown": _median(played, "frames_shown"),
        "frames_fed": _median(played, "frames_fed"),
    }


def print_case(name: str, model: str, frames: int, seconds: float, case: dict, threads: bool) -> dict:
    f = case_figures(case)
    print(f"\n== {name}  ({frames} frames, {seconds:.1f} s)  model: {model}")
    for key in ("cli_fps", "window_fps", "window_playing_fps"):
        print(f"{key}: {f[key]:.1f}")
    print(f"window_over_cli: {f['window_over_cli']:.2f}")
    print(f"window_playing_over_cli: {f['window_playing_over_cli']:.2f}")
    print(f"cpu_ms_per_frame: cli {f['cpu_ms_per_frame_cli']:.1f}  paused {f['cpu_ms_per_frame_paused']:.1f}  "
          f"playing {f['cpu_ms_per_frame_playing']:.1f}  (CPU of the whole process per analysed frame)")
    print(f"stalls_over_50ms: {f['stalls_over_50ms']}  longest_stall_ms: {f['longest_stall_ms']:.1f}  "
          f"p99_stall_ms: {f['p99_stall_ms']:.1f}  (worst run, paused or playing)")
    print(f"longest_gui_busy_ms: {f['longest_gui_busy_ms']:.1f}  gui_busy_over_50ms: {f['gui_busy_over_50ms']}  "
          "(GUI thread CPU between two event-loop turns)")
    print(f"playing: {f['frames_shown']:.0f} frames shown, {f['frames_fed']:.0f} of them from the analysis's decoding")
    print("worst_stalls: " + ", ".join(f"{ms:.0f} ms at {at:.1f} s" for at, ms in f["worst"]))
    print("rounds: " + "; ".join(f"cli {c['fps']:.1f} window {p['fps']:.1f} playing {w['fps']:.1f}"
                                 for c, p, w in zip(case["cli"], case["paused"], case["played"])))
    if threads:
        for mode in ("cli", "paused", "played"):
            split = case[mode][-1]["threads_ms_per_frame"]
            print(f"threads {mode} (ms of CPU per analysed frame): "
                  + ", ".join(f"{name} {ms:.2f}" for name, ms in split.items()))
    for run in case["cli"] + case["paused"] + case["played"]:
        if run["error"]:
            print(f"note: {run['error']} (the speed is over the frames analysed until then)")
            break
    return f


def table(rows: list[tuple[str, int, str, dict]], idle: dict) -> None:
    """The README's responsiveness table, filled in."""
    print("\n| clip | frames | model | cli_fps | window_fps | window_playing_fps | window_over_cli | "
          "window_playing_over_cli | CPU ms/frame cli / paused / playing | stalls over 50 ms | longest stall (ms) "
          "| p99 (ms) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for clip, frames, model, f in rows:
        print(f"| {clip} | {frames} | {model} | {f['cli_fps']:.1f} | {f['window_fps']:.1f} | "
              f"{f['window_playing_fps']:.1f} | {f['window_over_cli']:.2f} | {f['window_playing_over_cli']:.2f} | "
              f"{f['cpu_ms_per_frame_cli']:.1f} / {f['cpu_ms_per_frame_paused']:.1f} / "
              f"{f['cpu_ms_per_frame_playing']:.1f} | {f['stalls_over_50ms']} | {f['longest_stall_ms']:.0f} | "
              f"{f['p99_stall_ms']:.0f} |")
    print(f"| idle window, no clip | - | - | | | | | | | {idle['over_50ms']} | {idle['longest_stall_ms']:.0f} | "
          f"{idle['p99_stall_ms']:.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.stall", description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?", help=f"clip to open (default: shared/data/videos/{DEFAULT_VIDEO})")
    parser.add_argument("--models", "--model", default=DEFAULT_MODELS,
                        help=f"pose model ids, comma-separated (default {DEFAULT_MODELS})")
    parser.add_argument("--loop-minutes", type=float, default=5.0,
                        help="the long case: VIDEO repeated into a clip this long (temporary folder; default 5)")
    parser.add_argument("--clips", choices=("both", "short", "long"), default="both",
                        help="VIDEO itself, its long loop, or both (default)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the three measurements; medians printed")
    parser.add_argument("--cli-priority", choices=("same", "normal"), default="same",
                        help="the command line's analysis at the window analysis thread's priority (default) "
                             "or at normal priority")
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="stop a run after this long; its speed is then over the frames analysed so far")
    parser.add_argument("--threads", action="store_true", help="print where the CPU went, by thread")
    args = parser.parse_args(argv)
    video = Path(args.video) if args.video else default_video()
    if not video.is_file():
        print(f"stall bench: {video} not found; pass a video file.", file=sys.stderr)
        return 2
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scratch = tempfile.TemporaryDirectory(prefix="posestudio-stall-")
    root = Path(scratch.name)
    clips = []
    if args.clips in ("both", "short"):
        clips.append((video.stem, video))
    if args.clips in ("both", "long"):
        from posestudio.bench.long_clip import loop_clip

        clips.append((f"{video.stem}, {args.loop_minutes:g}-min loop", loop_clip(video, args.loop_minutes, root)))

    from posestudio.app.main import make_app

    app = make_app()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    from posestudio.app.settings import Settings
    from posestudio.core.video.source import VideoSource

    settings = Settings()
    idle = idle_run(app, settings, IDLE_S)
    print(f"platform: {app.platformName()}  rounds: {args.repeat}  cli priority: {args.cli_priority}  "
          f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"idle_longest_stall_ms: {idle['longest_stall_ms']:.1f}  idle_p99_stall_ms: {idle['p99_stall_ms']:.1f}  "
          f"idle_gui_busy_ms: {idle['longest_busy_ms']:.1f}  (window made, shown and left alone for {IDLE_S:g} s)")
    rows, failed = [], False
    for n, (name, path) in enumerate(clips):
        with VideoSource(str(path)) as source:
            frames, seconds = int(source.frame_count), float(source.duration)
        for model in [m.strip() for m in args.models.split(",") if m.strip()]:
            case = measure_case(app, settings, path, model, root, args, f"{n}-{model}")
            f = print_case(name, model, frames, seconds, case, args.threads)
            rows.append((name, frames, model, f))
            failed |= any(r["error"] for r in case["paused"] + case["played"]) or f["longest_stall_ms"] > 50.0
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    table(rows, idle)
    scratch.cleanup()
    return 1 if failed or idle["longest_stall_ms"] > 50.0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
