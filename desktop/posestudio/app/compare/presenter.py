"""Compare mode: a second clip (B) in its own session beside the first (A). One transport drives both; B shows
its frame of the moment A shows, as the sync maps it (automatic from the poses, time-warped, or from a moment
marked in each); nudges move either clip by a frame. The timeline draws B's curves dashed on A's clock and
a table compares the numbers. Leaving the mode puts the single-clip window back as it was."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from posestudio.app.angle_data import AngleData
from posestudio.app.clip_opener import VIDEO_FILTER, is_video_name
from posestudio.app.compare import jobs
from posestudio.app.compare.exports import CompareExports
from posestudio.app.compare.summary_table import CompareSummary
from posestudio.app.frame_loader import FrameLoader
from posestudio.app.overlay import frame_overlay
from posestudio.app.session import ClipSession
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback
from posestudio.app.video_view import VideoView
from posestudio.app.workers import Workers
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

B_KEY = "B"   # the timeline's key for B's curves


def _pane(title: QLabel, view: VideoView) -> QWidget:
    pane = QWidget()
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(title)
    layout.addWidget(view, 1)
    return pane


def _interval(t: np.ndarray) -> float:
    return float(np.median(np.diff(t))) if len(t) > 1 else 1 / 30


class ComparePresenter(QObject):
    comparison_changed = Signal(object)   # jobs.Comparison now shown, None when compare mode ends

    def __init__(self, session: ClipSession, workers: Workers, view: VideoView, playback: Playback,
                 timeline: Timeline, status: StatusLine, settings, host: QMainWindow):
        super().__init__(session)
        self.session_a, self.workers, self.view_a, self.playback = session, workers, view, playback
        self.timeline, self.status, self.settings, self.host = timeline, status, settings, host
        self.session_b: ClipSession | None = None
        self.view_b = VideoView()
        self.view_b.clear("Clip B appears here.")
        self.title_a, self.title_b = QLabel(), QLabel()
        self.title_a.setContentsMargins(6, 2, 6, 2)
        self.title_b.setContentsMargins(6, 2, 6, 2)
        self.title_b.setWordWrap(True)
        self.splitter: QSplitter | None = None
        self.opening: FrameLoader | None = None
        self.analysis = None                 # TaskThread analysing B
        self.comparison: jobs.Comparison | None = None
        self.base: jobs.Comparison | None = None   # as computed, before nudges
        self.nudge_s = 0.0
        self.mode = "auto"
        self.marks: list[float | None] = [None, None]
        self._b_index = -1
        self.summary = CompareSummary()
        self.summary_dock = QDockWidget("Compare summary", host)
        self.summary_dock.setObjectName("compare_summary")
        self.summary_dock.setWidget(self.summary)
        host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.summary_dock)
        self.summary_dock.hide()
        self.runner = workers.latest(lambda make: make(), "Syncing the two clips")
        self.runner.ready.connect(self._on_compared)
        self.runner.failed.connect(lambda msg: self.status.alert(f"The clips could not be synced: {msg}"))
        self.exports = CompareExports(self, workers, status, host)
        playback.index_changed.connect(self._on_index)
        playback.playing_changed.connect(self._on_playing)
        session.result_changed.connect(lambda _r: self._sync_when_ready())
        session.clip_changed.connect(lambda _c: self.leave())

    @property
    def active(self) -> bool:
        return self.session_b is not None

    # ----- menu -----
    def fill_menu(self, menu: QMenu) -> None:
        def action(text, slot, key=None, tip=None):
            a = QAction(text, self.host)
            if key:
                a.setShortcut(QKeySequence(key))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.host.addAction(a)
            menu.addAction(a)
            return a

        action("Compare &with…", self.open_dialog, "Ctrl+Shift+O", "Open a second clip beside this one")
        menu.addSeparator()
        self.mode_actions = [
            action("Sync &automatically (one offset)", lambda: self.resync("auto"), "Ctrl+Shift+A",
                   "Cross-correlation of the joint-angle curves: one fixed offset"),
            action("Sync by &time warping (different speeds)", lambda: self.resync("dtw"), "Ctrl+Shift+W",
                   "Dynamic time warping: B is shown time-warped to A"),
            action("Mark sync point in &A", self.mark_a, "Ctrl+Shift+1", "The moment A shows now"),
            action("Mark sync point in &B", self.mark_b, "Ctrl+Shift+2", "The moment B shows now"),
        ]
        menu.addSeparator()
        self.mode_actions += [
            action("Nudge B one frame later", lambda: self.nudge_b(1), "Alt+Right"),
            action("Nudge B one frame earlier", lambda: self.nudge_b(-1), "Alt+Left"),
            action("Nudge A one frame later", lambda: self.nudge_a(1), "Alt+Shift+Right"),
            action("Nudge A one frame earlier", lambda: self.nudge_a(-1), "Alt+Shift+Left"),
        ]
        menu.addSeparator()
        self.mode_actions += [
            action("Export &side-by-side video…", lambda: self.exports.export_video(), None,
                   "Both clips in sync with their skeletons, as one MP4"),
            action("Export aligned &data…", lambda: self.exports.export_data(), None,
                   "Both clips' angles on A's clock as CSV"),
        ]
        menu.addSeparator()
        self.leave_action = action("&Leave compare mode", self.leave, tip="Back to the single clip")
        self.menu = menu
        self._enable()

    def _enable(self) -> None:
        for a in getattr(self, "mode_actions", []) + [getattr(self, "leave_action", None)]:
            a is not None and a.setEnabled(self.active)

    # ----- opening B -----
    def open_dialog(self) -> None:
        if self._need_a():
            return
        path, _ = QFileDialog.getOpenFileName(self.host, "Compare with", str(Path(self.session_a.clip.path).parent),
                                              VIDEO_FILTER)
        if path:
            self.open_b(path)

    def wants_drop(self, x: float, width: int, paths: list[str]) -> bool:
        """A video dropped on the right half of the window while a clip is open is opened as B."""
        if self.session_a.clip is None or x <= width / 2 or not paths or not is_video_name(paths[0]):
            return False
        self.open_b(paths[0])
        return True

    def _need_a(self) -> bool:
        if self.session_a.clip is None:
            self.status.alert("Open a clip first (File > Open); then compare another with it.")
            return True
        return False

    def open_b(self, path: str) -> None:
        if self._need_a():
            return
        path = str(Path(path).expanduser())
        if not Path(path).is_file():
            self.status.alert(f"{Path(path).name} was not found; {self._a_name()} stays open as it was.")
            return
        self.opening is not None and self.opening.retire()
        loader = FrameLoader(path, self, workers=self.workers)
        loader.opened.connect(lambda info, ld=loader: self._on_opened(ld, info))
        loader.open_failed.connect(lambda msg, ld=loader: self._on_open_failed(ld, msg))
        loader.frame_ready.connect(lambda i, f, ld=loader: self._on_frame(ld, i, f))
        self.opening = loader
        self.status.info(f"Opening {Path(path).name} to compare…", 0)
        loader.start()

    def _a_name(self) -> str:
        return Path(self.session_a.clip.path).name

    def _on_open_failed(self, loader: FrameLoader, message: str) -> None:
        if loader is self.opening:
            self.opening = None
        loader.retire()
        self.status.alert(f"{message.rstrip('.')}; {self._a_name()} stays open as it was.")

    def _on_opened(self, loader: FrameLoader, info) -> None:
        if loader is not self.opening:
            return
        self.opening = None
        self.playback.pause()
        self._close_b()
        self.session_b = ClipSession(self)
        self.session_b.open(info, loader)
        self._show_panes()
        self.title_b.setText(f"B: {Path(info.path).name} - analysing…")
        self.mode, self.marks, self.nudge_s = "auto", [None, None], 0.0
        self._set_comparison(jobs.make_comparison(jobs.fixed_offset(0.0), -1, -1, {}, {},
                                                  self.session_a.clip.timestamps, info.timestamps))
        self._analyse_b(info.path)
        self._enable()
        self.status.info(f"Comparing with {Path(info.path).name}: analysing it…", 0)

    def _analyse_b(self, path: str) -> None:
        a = self.session_a.result
        model = a.model_id if a is not None else self.settings.model_id
        self.session_a.cache_needed.emit()  # B may be A's clip: its edits saved first
        task = self.workers.task(jobs.analyse_b(path, model), f"analysis of B with {model}")
        task.progress.connect(lambda d, t: self.title_b.setText(f"B: {Path(path).name} - analysing {d}/{t}"))
        task.completed.connect(lambda r, tk=task: self._on_b_analysed(tk, r))
        task.failed.connect(lambda msg: self.status.alert(f"{Path(path).name} could not be analysed: {msg}"))
        self.analysis = task
        task.start()

    def _on_b_analysed(self, task, result) -> None:
        if task is not self.analysis or self.session_b is None:
            return
        self.analysis = None
        self.session_b.set_result(result)
        self._sync_when_ready()

    # ----- sync -----
    def _sync_when_ready(self) -> None:
        a, b = self.session_a, self.session_b
        if b is None or b.result is None or a.result is None or a.analysing or not a.result.analysed.all():
            return
        if self.base is not None and self.base.sync.method != "none" and self.base.t_a is not None \
                and self._pid_a() == self.base.pid_a:
            return  # already synced with this person
        self.resync(self.mode)

    def _pid_a(self) -> int | None:
        data = self.session_a.angle_data
        return data.person if data is not None and data.person >= 0 else None

    def resync(self, mode: str, marks: tuple[float, float] | None = None) -> None:
        a, b = self.session_a, self.session_b
        if b is None:
            return
        if b.result is None or a.result is None or a.analysing:
            self.status.info("The sync is worked out once both clips are analysed.")
            return
        self.mode, self.nudge_s = mode, 0.0
        self.runner.submit(partial(jobs.compare, a.result, self._pid_a(), b.result, mode, marks))
        self.title_b.setText(f"B: {Path(b.clip.path).name} - syncing…")

    def mark_a(self) -> None:
        if self.active:
            self.marks[0] = self.playback.time
            self._after_mark("A")

    def mark_b(self) -> None:
        if self.active and self._b_index >= 0:
            self.marks[1] = float(self.session_b.clip.timestamps[self._b_index])
            self._after_mark("B")

    def _after_mark(self, which: str) -> None:
        a, b = self.marks
        if a is not None and b is not None:
            self.marks = [None, None]
            self.resync("events", (a, b))
            return
        other = "B (move B with Alt+Left/Right)" if which == "A" else "A (move with the transport)"
        self.status.info(f"Sync point in {which} marked; now mark the same moment in {other}.", 0)

    def nudge_b(self, frames: int) -> None:
        """B shows its frame `frames` later against A: the offset grows by that many of B's frames."""
        if self.base is not None:
            self._nudge(frames * _interval(self.base.t_b))

    def nudge_a(self, frames: int) -> None:
        """A moves `frames` on while B stays: the offset shrinks by that many of A's frames."""
        if self.base is not None:
            before = self.playback.index
            self.playback.step(frames)
            moved = self.playback.index - before
            if moved:
                self._nudge(-moved * _interval(self.base.t_a))

    def _nudge(self, seconds: float) -> None:
        self.nudge_s += seconds
        self.runner.submit(partial(self.base.shifted, self.nudge_s))

    def _on_compared(self, comparison: jobs.Comparison) -> None:
        if self.session_b is None:
            return
        if comparison.nudged_s == 0.0:
            self.base = comparison
        self._set_comparison(comparison)
        self.status.info(jobs.sync_text(comparison), 10000)

    def _set_comparison(self, c: jobs.Comparison) -> None:
        self.comparison = c
        if self.base is None or c.sync.method == "none":
            self.base = c
        b = self.session_b
        self.title_a.setText(f"A: {self._a_name()}")
        self.title_b.setText(f"B: {Path(b.clip.path).name} - {jobs.sync_text(c)}")
        if c.curves_b:
            b.set_angles(AngleData(person=c.pid_b, tracks=[], values=c.curves_b, timestamps=c.t_b))
            self._draw_b_curves(c)
            self.summary.show_numbers(c.numbers)
        self._on_index(self.playback.index)
        self.comparison_changed.emit(c)

    def _draw_b_curves(self, c: jobs.Comparison) -> None:
        """B's curves on A's clock (time-warped with DTW); moments outside A's clock are left out."""
        t = c.sync.a_time(c.t_b)
        seen = np.isfinite(t)
        t = np.where(seen, t, np.interp(np.arange(t.size), np.flatnonzero(seen), t[seen]) if seen.any() else 0.0)
        shown = self.session_a.angle_data.values if self.session_a.angle_data is not None else c.curves_b
        values = {n: np.where(seen, v, np.nan) for n, v in c.curves_b.items() if n in shown}  # A's rows only
        self.timeline.set_clip_curves(B_KEY, t, values, dashed=True)

    # ----- frames -----
    def _on_index(self, index: int) -> None:
        c, b = self.comparison, self.session_b
        if c is None or b is None or b.loader is None or not 0 <= index < len(c.b_for_a):
            return
        j = int(c.b_for_a[index])
        self._b_index = j
        if j < 0:
            self.view_b.clear("B shows no moment here.")
            return
        b.loader.request(j)

    def _on_playing(self, playing: bool) -> None:
        self.view_b.set_fast_scaling(playing)
        if self.session_b is not None and self.session_b.loader is not None:
            self.session_b.loader.set_playing(playing)  # reads ahead, as A's does: no seek per frame

    def _on_frame(self, loader: FrameLoader, index: int, frame) -> None:
        b = self.session_b
        if b is None or loader is not b.loader:
            return
        if index != self._b_index and not (self.playback.playing and self.view_b.frame_index < index < self._b_index):
            return
        self.view_b.set_frame(index, frame)
        self.view_b.set_overlay(frame_overlay(b.result, index, b.keypoint_set, b.angle_data, DEFAULT_MIN_SCORE,
                                              True))

    # ----- panes -----
    def _show_panes(self) -> None:
        if self.splitter is not None:
            return
        layout = self.view_a.parentWidget().layout()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.replaceWidget(self.view_a, self.splitter)
        self.splitter.addWidget(_pane(self.title_a, self.view_a))
        self.splitter.addWidget(_pane(self.title_b, self.view_b))
        self.splitter.setSizes([1, 1])
        for widget in (self.splitter, self.view_a, self.view_b, self.title_a, self.title_b):
            widget.show()  # re-parented widgets stay hidden until shown
        self.title_a.setText(f"A: {self._a_name()}")
        self.summary_dock.show()

    def _hide_panes(self) -> None:
        if self.splitter is None:
            return
        layout = self.splitter.parentWidget().layout()
        layout.replaceWidget(self.splitter, self.view_a)
        self.view_a.show()
        for widget in (self.view_b, self.title_a, self.title_b):
            widget.setParent(None)  # kept for the next comparison; the panes go with the splitter
        self.splitter.setParent(None)
        self.splitter.deleteLater()
        self.splitter = None
        self.summary_dock.hide()

    def _close_b(self) -> None:
        b = self.session_b
        if self.analysis is not None:
            self.analysis.cancel()
            self.analysis = None
        self.runner.cancel()
        if b is not None and b.loader is not None:
            b.loader.retire()
        if b is not None:
            b.deleteLater()
        self.session_b = self.comparison = self.base = None
        self._b_index = -1
        self.view_b.clear("Clip B appears here.")
        self.timeline.set_clip_curves(B_KEY, np.zeros(0), {}, dashed=True)

    def leave(self) -> None:
        """Back to the single-clip window: B closed, its pane, curves and numbers gone."""
        if self.opening is not None:
            self.opening.retire()
            self.opening = None
        if not self.active:
            return
        self._close_b()
        self._hide_panes()
        self._enable()
        self.comparison_changed.emit(None)

