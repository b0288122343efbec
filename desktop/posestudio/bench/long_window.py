"""How the window responds on a long clip whose analysis is done: curves, summary, sudden-change rings and the
overlay while playing, seeking, selecting a range and changing the angles shown.

    python -m posestudio.bench.long_window [VIDEO] [--minutes M] [--model ID]

VIDEO (default: the dumbbell clip) is repeated into an M-minute clip in a temporary folder; its analysis is
the short clip's analysis repeated, which is what analysing the repeated frames gives, saved to a temporary
cache, so the window opens it complete (analysing an hour of video on a shared 2-core machine takes hours).
A 1 ms timer records the gaps between event-loop turns (target: none over 50 ms).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.bench.stall import _Ticker, default_video


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.long_window", description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--model", default="movenet-lightning")
    args = parser.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
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

    from posestudio.app.main import make_app

    app = make_app()
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    from posestudio.app.main_window import MainWindow
    from posestudio.app.settings import Settings

    settings = Settings()
    settings.model_id = args.model
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    ticker, loop, marks = _Ticker(), QEventLoop(), {}
    t0 = time.perf_counter()

    def curves_shown() -> bool:
        data = window.session.angle_data
        return data is not None and data.result is window.session.result and window.timeline._pending is None \
            and bool(window.timeline.curves)

    def tick(name: str) -> None:
        from PySide6.QtCore import Qt

        from posestudio.app.settings_panel import NAME_ROLE

        items = [window.panel.angle_list.item(i) for i in range(window.panel.angle_list.count())]
        next(it for it in items if it.data(NAME_ROLE) == name).setCheckState(Qt.CheckState.Checked)

    steps = [  # (what, action, wait until, at most seconds)
        ("open", lambda: window.opener.open_paths([str(long_path)]), curves_shown, 120),
        ("play 10 s", window.playback.play, lambda: False, 10),
        ("seek to the middle", lambda: (window.playback.pause(), window.playback.seek(frames // 2)),
         lambda: window.view.frame_index == frames // 2, 20),
        ("select a range", lambda: window.timeline.set_range(seconds * 0.4, seconds * 0.6),
         lambda: not getattr(window.summary, "jobs", window.curves.runner).pending, 30),
        ("zoom to 10 s", lambda: window.timeline.visible_rows()[0].plot.setXRange(seconds / 2, seconds / 2 + 10),
         lambda: False, 2),
        ("show the trunk's lean too", lambda: tick("trunk_lean"),
         lambda: curves_shown() and "trunk_lean" in window.timeline.curves, 60),
        ("play 10 s", window.playback.play, lambda: False, 10),
    ]

    def run(i: int = 0) -> None:
        if i == len(steps):
            loop.quit()
            return
        name, action, done, limit = steps[i]
        start = time.perf_counter()
        action()

        def check() -> None:
            elapsed = time.perf_counter() - start
            if done() or elapsed >= limit:
                marks[f"{i} {name}"] = (elapsed, bool(done()))
                run(i + 1)
            else:
                QTimer.singleShot(20, check)

        QTimer.singleShot(20, check)

    ticker.timer.start()
    QTimer.singleShot(500, run)
    loop.exec()
    window.playback.pause()
    stats = ticker.take()
    window.close()
    print(f"clip: {long_path.name}  clip_frames: {frames}  clip_s: {seconds:.0f}  model: {args.model}")
    for key, (elapsed, ok) in marks.items():
        print(f"step {key}: {elapsed:.2f} s{'' if ok else ' (time limit; no end condition or not reached)'}")
    print(f"longest_stall_ms: {stats['longest_stall_ms']:.1f}  p99_stall_ms: {stats['p99_stall_ms']:.1f}  "
          f"stalls_over_50ms: {stats['over_50ms']}")
    print(f"longest_gui_busy_ms: {stats['longest_busy_ms']:.1f}  gui_busy_over_50ms: {stats['busy_over_50ms']}  "
          "(GUI thread CPU between two event-loop turns)")
    print("worst_stalls: " + ", ".join(f"{ms:.0f} ms at {at:.1f} s" for at, ms in stats["worst"]))
    print(f"total_s: {time.perf_counter() - t0:.1f}")
    scratch.cleanup()
    return 0 if stats["longest_stall_ms"] <= 50.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
