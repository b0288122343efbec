"""How the window responds on a long clip: curves, summary, sudden-change rings and the overlay while opening,
playing, scrubbing, selecting a range, zooming and adding an angle with the analysis done; then while
analysing the first minutes of the same clip, playing.

    python -m posestudio.bench.long_window [VIDEO] [--minutes M] [--model ID] [--analyse-seconds S]
                                           [--only done|analysing] [--profile-turns MS]

VIDEO (default: the 720p dumbbell clip) is repeated into an M-minute clip in a temporary folder (packets
copied, no re-encoding); its analysis is the short clip's analysis repeated, which is what analysing the
repeated frames gives, saved to a temporary cache, so the window opens it complete (analysing an hour on a
shared 2-core machine takes most of an hour). The analysing part then opens the same clip with an empty cache.
A 1 ms timer records the gaps between event-loop turns (target: none over 50 ms), and each of the window's
handlers its GUI-thread CPU time per call (bench.gui_timing), which the machine's other load does not inflate.
The GUI thread's garbage collections are counted per generation; each full one is named with the part it fell
in, and after each part the objects the collector tracks and what a full collection of them costs are printed
(a full collection runs inside whatever code allocates when it falls due, and its profile names that code).
--profile-turns prints, for each event-loop turn that took more than MS ms of the GUI thread's CPU, what it
did (bench.gui_timing.LongTurns; the profiler roughly doubles the Python parts' cost).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.bench.gui_timing import GcTimes, HandlerTimes, LongTurns, format_times
from posestudio.bench.stall import default_video
from posestudio.bench.window_runs import Ticker, close_window


def repeated_result(short, source):
    """The short clip's analysis tiled over the long clip's frames, with the long clip's times and identity."""
    n, total = short.frame_count, int(source.frame_count)
    reps = -(-total // n)
    fields = {name: np.concatenate([getattr(short, name)] * reps)[:total]
              for name in ("keypoints", "person_scores", "person_ids", "analysed")}
    if short.world is not None:
        fields["world"] = np.concatenate([short.world] * reps)[:total]
    return dataclasses.replace(short, **fields, timestamps=np.asarray(source.timestamps, dtype=float),
                               frame_count=total, fingerprint=source.fingerprint, video_path=str(source.path))


def _phase_line(name: str, seconds: float, stats: dict) -> str:
    return (f"{name:<28} {seconds:6.1f} s  longest_stall {stats['longest_stall_ms']:6.0f} ms  "
            f"over_50ms {stats['over_50ms']:4d}  p99 {stats['p99_stall_ms']:5.1f} ms  "
            f"gui_busy_max {stats['longest_busy_ms']:5.0f} ms")


def _run_steps(window, steps, ticker, times, turns=None) -> list[tuple[str, float, bool, dict, dict]]:
    """Each step: (name, action, done, at most seconds); measured from its action until done or its limit."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, out = QEventLoop(), []

    def run(i: int = 0) -> None:
        if i == len(steps):
            loop.quit()
            return
        name, action, done, limit = steps[i]
        if turns is not None:
            turns.label = name
        ticker.take()
        times.take()
        start = time.perf_counter()
        action()

        def check() -> None:
            elapsed = time.perf_counter() - start
            if done() or elapsed >= limit:
                out.append((name, elapsed, bool(done()), ticker.take(), times.take()))
                run(i + 1)
            else:
                QTimer.singleShot(20, check)

        QTimer.singleShot(20, check)

    QTimer.singleShot(300, run)
    loop.exec()
    return out


def _scrub(window, seconds: float, span: tuple[float, float], duration: float = 5.0):
    """A drag of the cursor from span[0] to span[1] seconds over `duration` s, a step every 40 ms."""
    from PySide6.QtCore import QTimer

    steps = int(duration / 0.04)

    def start() -> None:
        for k in range(steps + 1):
            at = span[0] + (span[1] - span[0]) * k / steps
            QTimer.singleShot(40 * k, lambda at=at: window.timeline.seek_requested.emit(at))

    return start


def done_steps(window, long_path: Path, frames: int, seconds: float):
    from PySide6.QtCore import Qt

    from posestudio.app.settings_panel import NAME_ROLE

    def curves_shown() -> bool:
        data = window.session.angle_data
        return data is not None and data.result is window.session.result and window.timeline._pending is None \
            and bool(window.timeline.curves) and not window.summary.pending

    def tick(name: str) -> None:
        items = [window.panel.angle_list.item(i) for i in range(window.panel.angle_list.count())]
        next(it for it in items if it.data(NAME_ROLE) == name).setCheckState(Qt.CheckState.Checked)

    def zoom_in() -> None:
        plot = window.timeline.visible_rows()[0].plot
        for k in range(1, 9):   # as the wheel does: eight steps from the whole clip to ten seconds
            width = seconds * (10.0 / seconds) ** (k / 8)
            plot.setXRange(seconds / 2 - width / 2, seconds / 2 + width / 2, padding=0)

    middle = frames // 2
    return [  # (what, action, done when, at most seconds)
        ("open (analysis cached)", lambda: window.opener.open_paths([str(long_path)]), curves_shown, 180),
        ("play 10 s, whole clip", window.playback.play, lambda: False, 10),
        ("scrub 5 s across the clip", _scrub(window, seconds, (0.1 * seconds, 0.9 * seconds)), lambda: False, 5.5),
        ("seek to the middle", lambda: (window.playback.pause(), window.playback.seek(middle)),
         lambda: window.view.frame_index == middle, 20),
        ("select 40-60 %", lambda: window.timeline.set_range(seconds * 0.4, seconds * 0.6),
         lambda: not window.summary.pending, 30),
        ("zoom in to 10 s", zoom_in, lambda: False, 1.0),
        ("add the trunk's lean", lambda: tick("trunk_lean"),
         lambda: curves_shown() and "trunk_lean" in window.timeline.curves, 60),
        ("play 10 s, zoomed in", window.playback.play, lambda: False, 10),
        ("fit all", lambda: (window.playback.pause(), window.timeline.fit_all()), lambda: False, 1.0),
    ]


def analysing_steps(window, long_path: Path, seconds: float, analyse_s: float):
    def started() -> bool:
        return window.session.analysing and window.view.frame_index >= 0

    return [
        ("open (no cache)", lambda: window.opener.open_paths([str(long_path)]), started, 60),
        (f"analyse {analyse_s:g} s, playing", window.playback.play, lambda: False, analyse_s),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.long_window", description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--model", default="movenet-lightning")
    parser.add_argument("--analyse-seconds", type=float, default=60.0,
                        help="how long to analyse the long clip from its start (0: skip that part)")
    parser.add_argument("--profile-turns", type=float, metavar="MS",
                        help="profile the GUI thread and print what each turn over MS ms of its CPU did")
    parser.add_argument("--only", choices=("done", "analysing"), help="run only that part")
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.perf_counter()
    collections = GcTimes()
    collections.install()
    collections.label = "preparing the clip (before the window)"
    scratch = tempfile.TemporaryDirectory(prefix="posestudio-long-")
    root = Path(scratch.name)
    os.environ["POSESTUDIO_CACHE"] = str(root / "cache")
    from posestudio.bench.long_clip import loop_clip
    from posestudio.core.analysis import cache
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.video.source import VideoSource

    short_path = Path(args.video) if args.video else default_video()
    long_path = loop_clip(short_path, args.minutes, root)
    with VideoSource(str(long_path)) as source:
        cache.save_cached(repeated_result(analyse_video(str(short_path), args.model), source))
        frames, seconds = int(source.frame_count), float(source.duration)
        size, fps = f"{source.width}x{source.height}", float(source.fps)
    prepared = time.perf_counter() - t0

    from posestudio.app.main import freeze_startup_objects, make_app

    app = make_app()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    times = HandlerTimes()
    times.install()   # before the window is made: its connections bind the timed methods
    from posestudio.app.main_window import MainWindow
    from posestudio.app.settings import Settings

    settings = Settings()
    settings.model_id = args.model
    ticker = Ticker()
    ticker.timer.start()
    turns = LongTurns(args.profile_turns, gc_times=collections) if args.profile_turns else None
    if turns is not None:
        turns.start()
    results, analysed, censuses = [], None, []
    for part in ("done", "analysing"):
        if args.only and part != args.only:
            continue
        if part == "analysing":
            if args.analyse_seconds <= 0:
                break
            os.environ["POSESTUDIO_CACHE"] = str(root / "empty-cache")   # the same clip, analysed from scratch
        collections.label = "making the window (start-up, frozen then)"
        window = MainWindow(settings)
        freeze_startup_objects()   # as the app's run() does before the window shows
        collections.label = part
        window.resize(1400, 900)
        window.show()
        steps = (done_steps(window, long_path, frames, seconds) if part == "done"
                 else analysing_steps(window, long_path, seconds, args.analyse_seconds))
        results += _run_steps(window, steps, ticker, times, turns)
        collections.label = f"{part}: the bench's census"   # its own allocations may set one off
        censuses.append(f"{part}: {collections.census()}")
        if part == "analysing" and window.session.result is not None:
            analysed = int(window.session.result.analysed.sum())
        window.playback.pause()
        window.runner.cancel(quiet=True)
        close_window(app, window)   # its frame cache is not carried into the next part

    if turns is not None:
        turns.stop()
        print(turns.report())
    print(f"clip: {long_path.name}  length: {seconds / 60:.1f} min  clip_frames: {frames}  clip_s: {seconds:.0f}  "
          f"{size} at {fps:.2f} fps  model: {args.model}")
    print("load average: " + " ".join(f"{v:.1f}" for v in os.getloadavg()) + "  (wall-clock stalls need a quiet "
          "machine; GUI CPU per handler holds under load)")
    worst = 0.0
    for name, elapsed, ok, stats, handler_times in results:
        print(_phase_line(name, elapsed, stats) + ("" if ok or name.startswith(("play", "scrub", "zoom", "fit",
                                                                                 "analyse")) else "  (not done)"))
        print("\n".join(format_times(handler_times)))
        worst = max(worst, stats["longest_stall_ms"])
    print("GUI thread's garbage collections (Python's cyclic collector):")
    print("\n".join(collections.lines() + [f"    {c}" for c in censuses]))
    if analysed is not None:
        print(f"analysed while playing: {analysed} frames in {args.analyse_seconds:g} s "
              f"({analysed / args.analyse_seconds:.0f} frames/s)")
    print(f"longest_stall_ms: {worst:.0f}  (target 50)  prepare_s: {prepared:.0f}  "
          f"total_s: {time.perf_counter() - t0:.0f}")
    scratch.cleanup()
    return 0 if worst <= 50.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
