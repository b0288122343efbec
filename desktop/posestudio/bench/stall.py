"""The window's analysis speed against the command line's, and how long the GUI event loop stalls.

    python -m posestudio.bench.stall [VIDEO] [--model ID] [--loop-minutes M] [--repeat N]

One run measures, on the same clip: the command line's analysis (`cli_fps`, core.analysis.run as `posestudio
analyze` calls it), the window's analysis with the clip paused (`window_fps`) and while it plays at normal
speed, looping until the analysis is done (`window_playing_fps`). A 1 ms timer records when the event loop
gets round to it; the gaps between its ticks are the stalls a user would feel (target: none over 50 ms),
also with the window open and nothing to do (idle). --loop-minutes makes a long clip by repeating VIDEO
into a temporary folder. Settings and the analysis cache go to a temporary folder, so every run analyses
from scratch and leaves the user's choices alone. Without a display it runs offscreen (`xvfb-run -a`).

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
import threading
import time
from pathlib import Path

DEFAULT_VIDEO = "sports2d_demo5_dumbbell_lateral_raise.mp4"
IDLE_S = 3.0  # measured first with nothing happening: the floor that other processes on the machine set


def default_video() -> Path:
    from posestudio.core.paths import repo_root

    root = repo_root() or Path.cwd()
    return root.parent / "shared" / "data" / "videos" / DEFAULT_VIDEO


def stall_stats(ticks: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """Gaps between event-loop turns (wall clock). With `cpu` (the GUI thread's CPU time at each tick):
    the most CPU the GUI thread spent between two turns, which the machine's other load does not inflate
    (on a shared machine a wall-clock gap is mostly the thread waiting for a core)."""
    import numpy as np

    t = np.asarray(ticks)
    gaps = np.diff(t) * 1000.0 if len(t) > 1 else np.zeros(1)
    worst = np.argsort(gaps)[::-1][:5]
    busy = np.diff(np.asarray(cpu)) * 1000.0 if cpu is not None and len(cpu) > 1 else np.zeros(1)
    return {"longest_stall_ms": float(gaps.max()), "p99_stall_ms": float(np.percentile(gaps, 99)),
            "median_tick_ms": float(np.median(gaps)), "over_50ms": int((gaps > 50).sum()),
            "longest_busy_ms": float(busy.max()), "busy_over_50ms": int((busy > 50).sum()),
            "worst": [(float(t[i] - t[0]), float(gaps[i])) for i in worst if len(t) > 1]}


def cli_fps(video: Path, model: str, niced: bool) -> float:
    """Frames per second of the command line's analysis (model loading included, as in the window)."""
    from posestudio.app.workers import lower_thread_priority
    from posestudio.core.analysis.run import analyse_video

    out: dict = {}

    def body() -> None:
        if niced:
            lower_thread_priority()
        t0 = time.perf_counter()
        result = analyse_video(str(video), model)
        out["fps"] = int(result.analysed.sum()) / (time.perf_counter() - t0)

    thread = threading.Thread(target=body, name="cli-analysis")
    thread.start()
    thread.join()
    return out["fps"]


class _Ticker:
    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.cpu: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self.cpu.append(time.thread_time())

    def take(self) -> dict:
        stats = stall_stats(self.ticks, self.cpu)
        self.ticks.clear()
        self.cpu.clear()
        return stats


def window_run(app, settings, video: Path, playing: bool, cache: Path, max_seconds: float) -> dict:
    """Open the clip in a new window, analyse it (playing in a loop or paused); fps and stalls."""
    from PySide6.QtCore import QEventLoop, QTimer

    from posestudio.app.main_window import MainWindow

    os.environ["POSESTUDIO_CACHE"] = str(cache)  # analyse from scratch
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    loop = QEventLoop()
    ticker = _Ticker()
    run = {"t0": 0.0, "start": None, "end": None, "error": None, "frames": 0, "first": None}
    original_set_frame = window.view.set_frame

    def counting_set_frame(index, frame):
        run["frames"] += 1
        if run["first"] is None:
            run["first"] = time.perf_counter() - run["t0"]
            if playing:
                window.playback.play()
        original_set_frame(index, frame)

    window.view.set_frame = counting_set_frame  # the window calls it through the attribute

    def on_playing(now_playing: bool) -> None:
        if playing and not now_playing and run["end"] is None:
            window.playback.seek(0)
            QTimer.singleShot(0, window.playback.play)  # loop until the analysis is done

    window.playback.playing_changed.connect(on_playing)

    def watch() -> None:
        now = time.perf_counter()
        if window.session.analysis is not None and run["start"] is None:
            run["start"] = now
        if run["start"] is not None and window.session.analysis is None and run["end"] is None:
            run["end"] = now
            QTimer.singleShot(1000, loop.quit)  # a last second with the complete result
        if now - run["t0"] > max_seconds:
            run["error"] = "time limit reached"
            loop.quit()

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(watch)

    def begin() -> None:
        ticker.take()  # from here: the window is up and painted, as when a user drops a file on it
        run["t0"] = time.perf_counter()
        watcher.start()
        window.opener.open_paths([str(video)])

    ticker.timer.start()
    QTimer.singleShot(1000, begin)
    loop.exec()
    ticker.timer.stop()
    watcher.stop()
    stats = ticker.take()
    result = window.session.result
    analysed = int(result.analysed.sum()) if result is not None else 0
    span = (run["end"] or time.perf_counter()) - (run["start"] or run["t0"])
    message = window.statusBar().currentMessage()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {**stats, "fps": analysed / span if span > 0 and analysed else 0.0, "analysed": analysed,
            "span": span, "frames_shown": run["frames"], "first_frame_s": run["first"],
            "error": run["error"] or (None if analysed else message)}


def idle_run(app, settings) -> dict:
    """The window open with no clip: what it costs doing nothing (and the machine's own noise)."""
    from PySide6.QtCore import QEventLoop, QTimer

    from posestudio.app.main_window import MainWindow

    ticker = _Ticker()
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    QTimer.singleShot(0, ticker.timer.start)  # from the first event-loop turn after show(): the first paint counts
    loop = QEventLoop()
    QTimer.singleShot(int(IDLE_S * 1000), loop.quit)
    loop.exec()
    ticker.timer.stop()
    window.close()
    window.deleteLater()
    app.processEvents()
    return ticker.take()


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.stall", description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?", help=f"clip to open (default: shared/data/videos/{DEFAULT_VIDEO})")
    parser.add_argument("--model", default="movenet-lightning", help="pose model id (default movenet-lightning)")
    parser.add_argument("--loop-minutes", type=float, help="repeat VIDEO into a clip this long (temporary folder)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the three measurements; medians printed")
    parser.add_argument("--cli-priority", choices=("same", "normal"), default="same",
                        help="the command line's analysis at the window analysis thread's priority (default) "
                             "or at normal priority")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="stop a window run after this long")
    args = parser.parse_args(argv)
    video = Path(args.video) if args.video else default_video()
    if not video.is_file():
        print(f"stall_bench: {video} not found; pass a video file.", file=sys.stderr)
        return 2
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scratch = tempfile.TemporaryDirectory(prefix="posestudio-stall-")
    root = Path(scratch.name)
    if args.loop_minutes:
        from posestudio.bench.long_clip import loop_clip

        video = loop_clip(video, args.loop_minutes, root)

    from posestudio.app.main import make_app

    app = make_app()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    from posestudio.app.settings import Settings
    from posestudio.core.video.source import VideoSource

    with VideoSource(str(video)) as source:
        frames, seconds = int(source.frame_count), float(source.duration)
    settings = Settings()
    settings.model_id = args.model
    idle = idle_run(app, settings)
    cli, paused, played = [], [], []
    for r in range(args.repeat):  # interleaved: the machine's load drifts over a run
        cli.append(cli_fps(video, args.model, args.cli_priority == "same"))
        paused.append(window_run(app, settings, video, False, root / f"cache-p{r}", args.max_seconds))
        played.append(window_run(app, settings, video, True, root / f"cache-w{r}", args.max_seconds))
    cli_v, paused_v, played_v = statistics.median(cli), _median(paused, "fps"), _median(played, "fps")
    worst = max(played, key=lambda r: r["longest_stall_ms"])
    print(f"video: {video.name}  model: {args.model}  platform: {app.platformName()}  rounds: {args.repeat}  "
          f"cli priority: {args.cli_priority}")
    print(f"clip_frames: {frames}  clip_s: {seconds:.1f}")
    print(f"cli_fps: {cli_v:.1f}")
    print(f"window_fps: {paused_v:.1f}")
    print(f"window_playing_fps: {played_v:.1f}")
    print(f"window_over_cli: {paused_v / cli_v:.2f}")
    print(f"window_playing_over_cli: {played_v / cli_v:.2f}")
    print(f"first_frame_s: {_median(played, 'first_frame_s'):.3f}")
    print(f"idle_longest_stall_ms: {idle['longest_stall_ms']:.1f}  idle_p99_stall_ms: {idle['p99_stall_ms']:.1f}  "
          f"(window made, shown and left alone for {IDLE_S:g} s)")
    print(f"paused_longest_stall_ms: {max(r['longest_stall_ms'] for r in paused):.1f}  "
          f"paused_stalls_over_50ms: {max(r['over_50ms'] for r in paused)}")
    print(f"longest_stall_ms: {worst['longest_stall_ms']:.1f}  (playing)")
    print(f"longest_gui_busy_ms: {max(r['longest_busy_ms'] for r in paused + played):.1f}  "
          f"gui_busy_over_50ms: {max(r['busy_over_50ms'] for r in paused + played)}  idle: "
          f"{idle['longest_busy_ms']:.1f}  (GUI thread CPU between two event-loop turns)")
    print(f"p99_stall_ms: {_median(played, 'p99_stall_ms'):.1f}")
    print(f"stalls_over_50ms: {max(r['over_50ms'] for r in played)}")
    print("worst_stalls: " + ", ".join(f"{ms:.0f} ms at {at:.1f} s" for at, ms in worst["worst"]))
    print(f"frames_shown: {worst['frames_shown']}")
    print("rounds: " + "; ".join(f"cli {c:.1f} window {p['fps']:.1f} playing {w['fps']:.1f}"
                                 for c, p, w in zip(cli, paused, played)))
    errors = [r["error"] for r in paused + played if r["error"]]
    if errors:
        print(f"note: {errors[0]}")
    scratch.cleanup()
    ok = not errors and worst["longest_stall_ms"] <= 50.0 and idle["longest_stall_ms"] <= 50.0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
