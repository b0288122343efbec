"""How long the GUI event loop stalls while a clip is analysed and played in the real window.

    python -m posestudio.bench.stall [VIDEO] [--model ID] [--max-seconds S]

A 1 ms timer records when the event loop gets round to it; the gaps between its ticks are the stalls a
user would feel (target: none over 50 ms). Playback loops over the clip until the analysis finishes.
Settings and the analysis cache go to a temporary folder, so the run analyses from scratch and leaves
the user's choices alone. Without a display it runs offscreen (`xvfb-run -a` gives a real X server).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_VIDEO = "sports2d_demo5_dumbbell_lateral_raise.mp4"
IDLE_S = 3.0  # measured first with nothing happening: the floor that other processes on the machine set


def default_video() -> Path:
    from posestudio.core.paths import repo_root

    root = repo_root() or Path.cwd()
    return root.parent / "shared" / "data" / "videos" / DEFAULT_VIDEO


def stall_stats(ticks: list[float]) -> dict[str, float]:
    import numpy as np

    t = np.asarray(ticks)
    gaps = np.diff(t) * 1000.0 if len(t) > 1 else np.zeros(1)
    worst = np.argsort(gaps)[::-1][:5]
    return {"longest_stall_ms": float(gaps.max()), "p99_stall_ms": float(np.percentile(gaps, 99)),
            "median_tick_ms": float(np.median(gaps)), "over_50ms": int((gaps > 50).sum()),
            "worst": [(float(t[i] - t[0]), float(gaps[i])) for i in worst if len(t) > 1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.stall", description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?", help=f"clip to open (default: shared/data/videos/{DEFAULT_VIDEO})")
    parser.add_argument("--model", default="movenet-lightning", help="pose model id (default movenet-lightning)")
    parser.add_argument("--max-seconds", type=float, default=180.0, help="stop after this long in any case")
    args = parser.parse_args(argv)
    video = Path(args.video) if args.video else default_video()
    if not video.is_file():
        print(f"stall_bench: {video} not found; pass a video file.", file=sys.stderr)
        return 2
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scratch = tempfile.TemporaryDirectory(prefix="posestudio-stall-")
    os.environ["POSESTUDIO_CACHE"] = str(Path(scratch.name) / "cache")  # analyse from scratch

    from posestudio.app.main import make_app

    app = make_app()
    from PySide6.QtCore import QSettings, Qt, QTimer

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(Path(scratch.name) / "settings"))
    from posestudio.app.main_window import MainWindow
    from posestudio.app.settings import Settings

    settings = Settings()
    settings.model_id = args.model
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()

    ticks: list[float] = []
    shown = {"frames": 0, "first": None}
    run = {"t0": time.perf_counter(), "analysis_start": None, "analysis_end": None, "error": None}
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(1)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))

    original_set_frame = window.view.set_frame

    def counting_set_frame(index, frame):
        shown["frames"] += 1
        if shown["first"] is None:
            shown["first"] = time.perf_counter() - run["t0"]
            window.playback.play()
        original_set_frame(index, frame)

    window.view.set_frame = counting_set_frame  # the window calls it through the attribute

    def on_playing(playing: bool) -> None:
        if not playing and run["analysis_end"] is None:
            window.playback.seek(0)
            QTimer.singleShot(0, window.playback.play)  # loop until the analysis is done

    window.playback.playing_changed.connect(on_playing)

    def watch() -> None:
        now = time.perf_counter()
        if not run.get("measuring"):
            return
        if window.session.analysis is not None and run["analysis_start"] is None:
            run["analysis_start"] = now
        if run["analysis_start"] is not None and window.session.analysis is None and run["analysis_end"] is None:
            run["analysis_end"] = now
            QTimer.singleShot(1000, app.quit)  # a last second of playback without analysis
        if now - run["t0"] > args.max_seconds:
            run["error"] = "time limit reached"
            app.quit()

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(watch)
    watcher.start()

    idle: dict = {}

    def begin() -> None:
        # measured from here: the window is up and painted, as when a user drops a file on it
        idle.update(stall_stats(ticks))  # the machine's own noise, with the window doing nothing
        ticks.clear()
        run["t0"] = time.perf_counter()
        run["measuring"] = True
        window.opener.open_paths([str(video)])

    QTimer.singleShot(300, ticker.start)
    QTimer.singleShot(300 + int(IDLE_S * 1000), begin)
    app.exec()
    ticker.stop()
    watcher.stop()
    result = window.session.result
    message = window.statusBar().currentMessage()
    window.close()

    stats = stall_stats(ticks)
    analysed = int(result.analysed.sum()) if result is not None else 0
    span = (run["analysis_end"] or time.perf_counter()) - (run["analysis_start"] or run["t0"])
    print(f"video: {video.name}  model: {args.model}  platform: {app.platformName()}")
    print(f"first_frame_s: {shown['first'] if shown['first'] is not None else float('nan'):.3f}")
    print(f"idle_longest_stall_ms: {idle.get('longest_stall_ms', float('nan')):.1f}  "
          f"idle_p99_stall_ms: {idle.get('p99_stall_ms', float('nan')):.1f}  (window open, nothing to do)")
    print(f"longest_stall_ms: {stats['longest_stall_ms']:.1f}")
    print(f"p99_stall_ms: {stats['p99_stall_ms']:.1f}")
    print(f"stalls_over_50ms: {stats['over_50ms']}")
    print("worst_stalls: " + ", ".join(f"{ms:.0f} ms at {at:.1f} s" for at, ms in stats["worst"]))
    print(f"frames_shown: {shown['frames']}")
    print(f"analysis_fps: {analysed / span if span > 0 else 0.0:.1f}  ({analysed} frames in {span:.1f} s)")
    if run["error"] or analysed == 0:
        print(f"note: {run['error'] or message}")
    scratch.cleanup()
    return 0 if stats["longest_stall_ms"] <= 50.0 and analysed else 1


if __name__ == "__main__":
    raise SystemExit(main())
