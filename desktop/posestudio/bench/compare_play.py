"""Two clips playing together in compare mode: do both panes keep up, and is the GUI thread the cause if not?

    python -m posestudio.bench.compare_play [A] [B] [--seconds S] [--start S] [--sync A_S,B_S] [--single]

Opens A in the real window, B beside it (Compare with...), waits for both analyses and the sync, then plays
S seconds (default 8) at normal speed from --start (after IDLE_S paused, for the machine's floor). Prints:
- pauses_a / pauses_b: gaps over 50 ms between new pictures on each pane, and the longest (what a user sees);
- frames_shown vs frames_due per pane (due: the frames whose moment passed while playing);
- late_b: B's frames that arrived after A had moved on (B's decoder behind), and B's frames ready at once;
- event-loop stalls (gaps between turns of a 1 ms timer) and gui_busy_max_ms, the most CPU the GUI thread
  spent between two turns (a shared machine inflates wall-clock gaps, not this).
Settings and the analysis cache go to a temporary folder. Without a display it runs offscreen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.bench.window_runs import Ticker, close_window

DEFAULT_VIDEO = "sports2d_demo5_dumbbell_lateral_raise.mp4"
PAUSE_MS = 50.0
IDLE_S = 3.0  # both clips open and paused, before playing


def _default(name: str) -> Path:
    from posestudio.core.paths import repo_root

    return (repo_root() or Path.cwd()).parent / "shared" / "data" / "videos" / name


def pauses(times: list[float]) -> tuple[int, float]:
    """Gaps over PAUSE_MS between pictures (seconds in), and the longest gap in ms."""
    gaps = np.diff(np.asarray(times)) * 1000.0 if len(times) > 1 else np.zeros(1)
    return int((gaps > PAUSE_MS).sum()), float(gaps.max())


def loop_stats(ticks: list[float], cpu: list[float], proc: list[float]) -> dict:
    """Event-loop gaps over PAUSE_MS and the longest (wall clock), the most GUI-thread CPU between turns, and
    in the gaps over PAUSE_MS the CPU the whole process used, in cores: near 0 the process was waiting for the
    machine (other programs had the cores); near 1 or more its other threads ran while the GUI thread waited
    (for the interpreter lock, or a lock of ours)."""
    gaps = np.diff(np.asarray(ticks)) * 1000.0 if len(ticks) > 1 else np.zeros(1)
    busy = np.diff(np.asarray(cpu)) * 1000.0 if len(cpu) > 1 else np.zeros(1)
    used = np.diff(np.asarray(proc)) * 1000.0 if len(proc) > 1 else np.zeros(1)
    long = gaps > PAUSE_MS
    return {"over_50ms": int(long.sum()), "longest_stall_ms": float(gaps.max()),
            "longest_busy_ms": float(busy.max()),
            "stall_cores": float(used[long].sum() / gaps[long].sum()) if long.any() else float("nan"),
            "stall_gui_cpu_ms": float(busy[long].max()) if long.any() else 0.0}


class _Pane:
    """Counts the new pictures a VideoView shows (set_frame is called through the attribute)."""

    def __init__(self, view, clock):
        self.times: list[float] = []
        self.indices: list[int] = []
        self.on = False
        original = view.set_frame

        def counting(index, frame):
            if self.on and (not self.indices or index != self.indices[-1]):
                self.times.append(clock())
                self.indices.append(int(index))
            original(index, frame)
        view.set_frame = counting


def run(app, settings, a: Path, b: Path, seconds: float, start: float, sync, cache: Path) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer

    from posestudio.app.main import freeze_startup_objects
    from posestudio.app.main_window import MainWindow

    os.environ["POSESTUDIO_CACHE"] = str(cache)
    window = MainWindow(settings)
    freeze_startup_objects()  # as the app's run() does before the window shows
    window.resize(1400, 900)
    window.show()
    compare, playback = window.compare, window.playback
    loop = QEventLoop()
    ticker = Ticker()
    clock = time.perf_counter
    pane_a, pane_b = _Pane(window.view, clock), _Pane(compare.view_b, clock)
    state = {"phase": "open A", "t_play": None, "error": None, "wanted": [], "synced": False}

    def on_index(i: int) -> None:  # what B should show now, and when it was asked for
        c = compare.comparison
        if state["t_play"] is not None and c is not None and 0 <= i < len(c.b_for_a):
            state["wanted"].append((clock(), int(c.b_for_a[i])))
    playback.index_changed.connect(on_index)
    compare.comparison_changed.connect(lambda c: state.update(synced=c is not None and c.sync.method != "none"))

    def sync_failed(message: str) -> None:
        if sync is not None and state["phase"] == "open B":
            return  # the automatic sync B's analysis set off failed before the bench gave its moments; they follow
        state["error"] = f"the clips could not be synced ({message}); give --sync A_S,B_S"
        loop.quit()
    compare.runner.failed.connect(sync_failed)

    def step() -> None:
        s = window.session
        if state["phase"] == "open A" and s.result is not None and not s.analysing and s.result.analysed.all():
            state["phase"] = "open B"
            if b is None:  # A alone: what the window costs without compare mode, in the same conditions
                state["phase"] = "settle"
                playback.seek_time(start)
                QTimer.singleShot(1500, begin)
                return
            compare.open_b(str(b))
        elif state["phase"] == "open B" and compare.session_b is not None and compare.session_b.result is not None:
            state["phase"] = "sync"
            if sync is not None:
                state["synced"] = False
                compare.resync("events", sync)
        elif state["phase"] == "sync" and state["synced"]:
            state["phase"] = "settle"
            playback.seek_time(start)
            QTimer.singleShot(1500, begin)  # the first frames of both
        elif clock() - state["t0"] > 600:
            state["error"] = f"not ready after 600 s (at '{state['phase']}')"
            loop.quit()

    def begin() -> None:  # first both clips open and paused: the floor the machine's other work sets
        state["phase"] = "idle"
        ticker.clear()
        QTimer.singleShot(int(IDLE_S * 1000), play)

    def play() -> None:
        state["idle"] = loop_stats(ticker.ticks, ticker.cpu, ticker.proc)
        state["phase"] = "play"
        ticker.clear()
        pane_a.on = pane_b.on = True
        state["t_play"] = clock()
        playback.play()
        QTimer.singleShot(int(seconds * 1000), finish)

    def finish() -> None:
        state["t_end"] = clock()
        playback.pause()
        pane_a.on = pane_b.on = False
        loop.quit()

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(step)
    state["t0"] = clock()
    window.opener.open_paths([str(a)])
    watcher.start()
    ticker.timer.start()
    loop.exec()
    watcher.stop()
    ticker.timer.stop()
    stats = loop_stats(ticker.ticks, ticker.cpu, ticker.proc)
    out = {"error": state["error"], "idle": state.get("idle"), **stats}
    if state["error"] is None:
        c = compare.comparison
        t_a = window.session.clip.timestamps
        media = (start, start + (state["t_end"] - state["t_play"]))
        due_a = int(((t_a >= media[0] - 1e-6) & (t_a < media[1])).sum())
        j = c.b_for_a[(t_a >= media[0] - 1e-6) & (t_a < media[1])] if c is not None else np.zeros(0)
        due_b = len(set(int(x) for x in j if x >= 0))
        shown_at = dict(zip(pane_b.indices, pane_b.times))
        waits = [shown_at[w] - t for t, w in state["wanted"] if w in shown_at]
        late = sum(1 for t, w in state["wanted"] if w not in shown_at or shown_at[w] - t > 0.005)
        out.update(
            sync=c.sync.method if c else "-", offset_s=c.sync.offset_s if c else float("nan"),
            shown_a=len(pane_a.times), due_a=due_a, pauses_a=pauses(pane_a.times),
            shown_b=len(pane_b.times), due_b=due_b, pauses_b=pauses(pane_b.times),
            late_b=late, asked_b=len(state["wanted"]), wait_b_max_ms=1000 * max(waits, default=0.0))
    close_window(app, window)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posestudio.bench.compare_play", description=__doc__.split("\n")[0])
    parser.add_argument("a", nargs="?", help=f"clip A (default: shared/data/videos/{DEFAULT_VIDEO})")
    parser.add_argument("b", nargs="?", help="clip B (default: the same clip, opened a second time)")
    parser.add_argument("--seconds", type=float, default=8.0, help="play this long (default 8)")
    parser.add_argument("--start", type=float, default=1.0, help="A's time to start playing from (default 1)")
    parser.add_argument("--sync", metavar="A_S,B_S", help="the same moment in A and in B (default: automatic)")
    parser.add_argument("--single", action="store_true", help="A alone (no compare mode), for reference")
    parser.add_argument("--model", default="movenet-lightning", help="pose model (default movenet-lightning)")
    args = parser.parse_args(argv)
    a = Path(args.a) if args.a else _default(DEFAULT_VIDEO)
    b = Path(args.b) if args.b else a
    for p in (a, b):
        if not p.is_file():
            print(f"compare_play: {p} not found; pass a video file.", file=sys.stderr)
            return 2
    sync = tuple(float(x) for x in args.sync.split(",")) if args.sync else None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scratch = tempfile.TemporaryDirectory(prefix="posestudio-compare-")
    root = Path(scratch.name)
    from posestudio.app.main import make_app

    app = make_app()
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root / "settings"))
    from posestudio.app.settings import Settings

    settings = Settings()
    settings.model_id = args.model
    r = run(app, settings, a, None if args.single else b, args.seconds, args.start, sync, root / "cache")
    print(f"a: {a.name}  b: {'none (--single)' if args.single else b.name}  model: {args.model}  platform: {app.platformName()}  "
          f"load: {os.getloadavg()[0]:.1f}")
    if r["error"]:
        print(f"compare_play: {r['error']}", file=sys.stderr)
        return 1
    print(f"sync: {r['sync']} offset_s {r['offset_s']:.3f}  played_s: {args.seconds:g} from {args.start:g} s")
    for p in ("a",) if args.single else ("a", "b"):
        n, longest = r[f"pauses_{p}"]
        print(f"pane_{p}: frames_shown {r[f'shown_{p}']} of {r[f'due_{p}']} due  pauses_over_50ms {n}  "
              f"longest_pause_ms {longest:.1f}")
    if not args.single:
        print(f"late_b: {r['late_b']} of {r['asked_b']} asked (B's frame not ready within 5 ms of A's tick)  "
              f"wait_b_max_ms: {r['wait_b_max_ms']:.1f}")
    print(f"event_loop_stalls_over_50ms: {r['over_50ms']}  longest_stall_ms: {r['longest_stall_ms']:.1f}  "
          f"gui_busy_max_ms: {r['longest_busy_ms']:.1f}")
    idle = r["idle"]
    print(f"paused_{IDLE_S:g}s_before: stalls_over_50ms {idle['over_50ms']}  longest_stall_ms "
          f"{idle['longest_stall_ms']:.1f}  (the floor the machine's other work sets)")
    print(f"in_stalls: process_cores {r['stall_cores']:.2f}  gui_cpu_max_ms {r['stall_gui_cpu_ms']:.1f}  "
          f"(cores near 0: the machine's other programs had the CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
