"""The stall bench's measurements (posestudio.bench.stall): the command line's analysis, the window's analysis
paused or playing, and the window idle. Each gives frames/s, CPU seconds per analysed frame (the whole
process, and by thread) and, for the window, the event loop's stalls."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from posestudio.bench.thread_cpu import SampledCpu, ThreadCpu

SAMPLE_S = 0.25   # how often the CPU of each thread is read
# The stall bench's ticker: a 1 ms one cost the GUI thread 30-40 ms of CPU a second (a tenth of what the window
# spends playing, half of it paused), charged to the window and not to the command line it is compared with.
# Every 4 ms costs a third of that (10-12 ms a second); a gap still shows a stall to within 4 ms.
STALL_TICK_MS = 4


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


class Ticker:
    """A timer on the GUI thread (every `interval_ms`): when the event loop got round to it, and the thread's
    CPU then; with `process`, the whole process's CPU too (bench.compare_play: what it got inside a stall)."""

    def __init__(self, interval_ms: int = 1, process: bool = True):
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.cpu: list[float] = []
        self.proc: list[float] = []
        self._process = process
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self.cpu.append(time.thread_time())
        if self._process:
            self.proc.append(time.process_time())

    def clear(self) -> None:
        self.ticks.clear()
        self.cpu.clear()
        self.proc.clear()

    def take(self) -> dict:
        stats = stall_stats(self.ticks, self.cpu)
        self.clear()
        return stats


def close_window(app, window) -> None:
    """Close a window and delete its Qt side now; its Python side goes at the next collection once the caller
    lets go (at the latest the next window's freeze_startup_objects). deleteLater() waits for an event-loop turn
    that a bench between two runs never gives, and each window's objects were frozen out of collection with the
    start-up's (as the app does once): every window the bench had closed stayed, with its frame cache (600 MB of
    memory a run). Unfrozen here; the next window freezes its start-up objects again."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.unfreeze()
    gc.collect()


def _cpu_figures(cpu: ThreadCpu, analysed: int) -> dict:
    per = 1000.0 / analysed if analysed else 0.0
    return {"cpu_ms_per_frame": cpu.process_seconds * per,
            "threads_ms_per_frame": {name: s * per for name, s in cpu.by_group().items()}}


def cli_run(video: Path, model: str, niced: bool, max_seconds: float) -> dict:
    """The command line's analysis (core.analysis.run, model loading included, as in the window) on its own
    thread; stopped after max_seconds, its speed then is over the frames done."""
    from posestudio.app.workers import lower_thread_priority
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.errors import Cancelled

    out = {"done": 0, "error": None}
    stop = threading.Event()

    def progress(done: int, _total: int) -> None:
        out["done"] = done
        if time.perf_counter() - out["t0"] > max_seconds:
            stop.set()

    def body() -> None:
        if niced:
            lower_thread_priority()
        try:
            analyse_video(str(video), model, progress=progress, cancel=stop)
        except Cancelled:
            out["error"] = "time limit reached"
        out["t1"] = time.perf_counter()

    cpu = ThreadCpu()
    out["t0"] = time.perf_counter()
    thread = threading.Thread(target=body, name="cli-analysis")
    thread.start()
    while thread.is_alive():
        thread.join(SAMPLE_S)
        cpu.sample()
    span = out["t1"] - out["t0"]
    return {"fps": out["done"] / span, "analysed": out["done"], "span": span, "error": out["error"],
            **_cpu_figures(cpu, out["done"])}


def window_run(app, settings, video: Path, playing: bool, cache: Path, max_seconds: float) -> dict:
    """Open the clip in a new window and analyse it, playing (looping) or paused: fps, CPU and stalls.
    After max_seconds of analysis the run stops; its speed is then over the frames analysed so far."""
    from PySide6.QtCore import QEventLoop, QTimer

    from posestudio.app.main import freeze_startup_objects
    from posestudio.app.main_window import MainWindow

    os.environ["POSESTUDIO_CACHE"] = str(cache)  # analyse from scratch
    window = MainWindow(settings)
    freeze_startup_objects()  # as the app's run() does before the window shows
    window.resize(1400, 900)
    window.show()
    loop = QEventLoop()
    ticker = Ticker(STALL_TICK_MS, process=False)
    run = {"t0": 0.0, "start": None, "end": None, "error": None, "frames": 0, "fed": 0, "first": None, "analysed": 0,
           "cpu": None}
    original_set_frame = window.view.set_frame

    def counting_set_frame(index, frame):
        run["frames"] += 1
        run["fed"] += bool(getattr(frame, "fed", False))
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

    def analysed_now() -> int:
        task, result = window.session.analysis, window.session.result
        if task is None and result is not None:
            return int(result.analysed.sum())
        return run["progress"] if "progress" in run else 0

    def finish(error: str | None = None) -> None:
        run["end"] = time.perf_counter()
        run["analysed"] = analysed_now()
        run["cpu"].stop()
        run["error"] = error
        if error is not None:
            window.runner.cancel(quiet=True)
        QTimer.singleShot(1000, loop.quit)  # a last second with the result shown

    def watch() -> None:
        now = time.perf_counter()
        if run["end"] is not None:
            return
        task = window.session.analysis
        if task is not None and run["start"] is None:
            run["start"] = now
            task.progress.connect(lambda done, _total: run.__setitem__("progress", done))
        if run["start"] is not None and task is None:
            finish()
        elif now - run["t0"] > max_seconds:
            finish("time limit reached")

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(watch)

    def begin() -> None:
        ticker.take()  # from here: the window is up and painted, as when a user drops a file on it
        run["t0"] = time.perf_counter()
        run["cpu"] = SampledCpu(SAMPLE_S)  # model loading counts, as in the command line's run
        run["cpu"].start()
        watcher.start()
        window.opener.open_paths([str(video)])

    ticker.timer.start()
    QTimer.singleShot(1000, begin)
    loop.exec()
    ticker.timer.stop()
    watcher.stop()
    sampler = run["cpu"]
    sampler.stop()
    sampler.join()
    stats = ticker.take()
    span = (run["end"] or time.perf_counter()) - (run["start"] or run["t0"])
    analysed = run["analysed"]
    message = window.statusBar().currentMessage()
    close_window(app, window)
    return {**stats, "fps": analysed / span if span > 0 and analysed else 0.0, "analysed": analysed,
            "span": span, "frames_shown": run["frames"], "first_frame_s": run["first"], "frames_fed": run["fed"],
            "error": run["error"] or (None if analysed else message), **_cpu_figures(sampler.cpu, analysed)}


def idle_run(app, settings, seconds: float) -> dict:
    """The window made, shown and left alone with no clip: what it costs doing nothing (first paint
    included) and the machine's own noise."""
    from PySide6.QtCore import QEventLoop, QTimer

    from posestudio.app.main import freeze_startup_objects
    from posestudio.app.main_window import MainWindow

    ticker = Ticker(STALL_TICK_MS, process=False)
    window = MainWindow(settings)
    freeze_startup_objects()  # as the app's run() does before the window shows
    window.resize(1400, 900)
    window.show()
    QTimer.singleShot(0, ticker.timer.start)  # from the first event-loop turn after show(): the first paint counts
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    ticker.timer.stop()
    close_window(app, window)
    return ticker.take()
