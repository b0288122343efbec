"""The live session in the window: opens a camera or stream on a task thread, shows the newest analysed
frame with its own skeleton and angles, counts, records, and turns the end (stop, fault) into a clip.

Threads: LiveAnalysis runs capture and model on its own core threads and calls back on the analysis
thread; the callback only parks the newest pose and posts one queued signal (a slow GUI skips poses, it
never queues them). Opening, and finishing (which encodes and completes the recording), block: they run
on task threads."""

from __future__ import annotations

import collections
import logging
import math
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QWidget

from posestudio.app.live.dialog import SourceDialog
from posestudio.app.live.live_overlay import live_overlay
from posestudio.app.live.panel import LivePanel
from posestudio.app.status import ERROR_MS

log = logging.getLogger(__name__)

COUNTERS_MS = 500
PLOT_MS = 100
SECONDS_KEY, FOLDER_KEY, RECENT_KEY = "live/seconds", "live/folder", "live/recent"


class LivePresenter(QObject):
    posed = Signal()            # a pose waits in self._pending (emitted on the analysis thread)
    ended = Signal(object)      # the analysis ended by itself: the sentence why (or None)

    def __init__(self, workers, view, panel, opener, playback, status, parent: QWidget):
        super().__init__(parent)
        self.workers, self.view, self.panel, self.opener = workers, view, panel, opener
        self.playback, self.status, self.parent_widget = playback, status, parent
        self.qsettings = QSettings()
        self.live_panel = LivePanel(int(self.qsettings.value(SECONDS_KEY, 10)))
        self.dock = QDockWidget("Live", parent)
        self.dock.setObjectName("live_panel")
        self.dock.setWidget(self.live_panel)
        self.dock.hide()
        # the window restores its last layout after this; a panel left open then means nothing now
        QTimer.singleShot(0, lambda: self.analysis is None and self.opening is None and self.dock.hide())
        self.analysis = None
        self.spec: str | None = None
        self.opening = None          # the TaskThread opening a source
        self.finishing = None        # the TaskThread finishing a session
        self.recording: Path | None = None
        self.closing = False         # the window is closing: a finished recording is not opened
        self.drawn = 0               # frames painted with their skeleton
        self.shown = None            # the LivePose on screen
        self.latencies = collections.deque(maxlen=300)  # seconds from capture to painted
        self._history: dict[str, collections.deque] = {}
        self._lock = threading.Lock()
        self._pending = None
        self._queued = False
        self._plotted = 0.0
        self.posed.connect(self._show_pose, Qt.ConnectionType.QueuedConnection)
        self.ended.connect(self._on_ended, Qt.ConnectionType.QueuedConnection)
        self.timer = QTimer(self)
        self.timer.setInterval(COUNTERS_MS)
        self.timer.timeout.connect(self._show_counters)
        lp = self.live_panel
        lp.record_clicked.connect(self.toggle_recording)
        lp.stop_clicked.connect(self.stop)
        lp.reconnect_clicked.connect(self.reconnect)
        lp.seconds_changed.connect(lambda s: self.qsettings.setValue(SECONDS_KEY, int(s)))

    # ----- settings -----
    @property
    def folder(self) -> Path:
        """Where recordings go (a setting; the user's Videos folder by default)."""
        return Path(str(self.qsettings.value(FOLDER_KEY, "") or Path.home() / "Videos" / "Pose Studio"))

    @folder.setter
    def folder(self, path) -> None:
        self.qsettings.setValue(FOLDER_KEY, str(path))

    # ----- opening -----
    def open_dialog(self) -> None:
        recent = [str(s) for s in (self.qsettings.value(RECENT_KEY, []) or [])]
        dialog = SourceDialog(recent if isinstance(recent, list) else [recent], self.parent_widget)
        dialog.chosen.connect(self.open_source)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_source(self, spec: str) -> None:
        if self.analysis is not None or self.opening is not None or self.finishing is not None:
            self.status.alert("A live source is already open; stop it (Stop live) before opening another.")
            return
        self.spec = str(spec)
        model_id = self.panel.model_id
        self.playback.pause()
        self._begin_ui(f"Connecting to {self.spec}…")

        def job(progress, cancel):
            from posestudio.core.analysis.live import LiveAnalysis
            from posestudio.core.video.live import LiveSource

            source = LiveSource(self.spec)
            try:
                return LiveAnalysis(source, model_id, on_pose=self._park, on_end=self.ended.emit)
            except BaseException:
                source.stop()
                raise

        task = self.opening = self.workers.task(job, "Opening the live source")
        task.completed.connect(self._on_opened)
        task.failed.connect(self._on_open_failed)
        task.cancelled.connect(lambda: self._on_open_failed("Opening the live source was cancelled."))
        task.start()

    def reconnect(self) -> None:
        if self.spec:
            self.open_source(self.spec)

    def _begin_ui(self, state: str) -> None:
        if not self.dock.isVisible():
            self.dock.show()
            if hasattr(self.parent_widget, "resizeDocks"):  # the main window: room for the plot, not more
                self.parent_widget.resizeDocks([self.dock], [300], Qt.Orientation.Vertical)
        self.live_panel.reconnect_button.hide()
        self.live_panel.set_advice(None)
        self.live_panel.counters.setText("")
        self.live_panel.state.setText(state)

    def _on_opened(self, analysis) -> None:
        self.opening = None
        if self.parent_widget is None or not self.parent_widget.isVisible():
            analysis.source.stop()  # the window closed while it opened
            return
        self.analysis = analysis
        self.drawn = 0
        self.latencies.clear()
        self._history.clear()
        recent = [self.spec] + [s for s in (self.qsettings.value(RECENT_KEY, []) or []) if s != self.spec]
        self.qsettings.setValue(RECENT_KEY, recent[:8])
        analysis.start()
        self.view.clear("Waiting for the first analysed frame…")
        self.live_panel.state.setText(f"Live: {self.spec} ({analysis.model_id})")
        self.live_panel.set_live(True)
        self.timer.start()
        self.status.info(f"Live from {self.spec}.")

    def _on_open_failed(self, sentence: str) -> None:
        self.opening = None
        self.live_panel.state.setText("Not connected.")
        self.live_panel.reconnect_button.show()
        self.live_panel.set_live(False)
        self.status.alert(sentence)

    # ----- frames -----
    def _park(self, pose) -> None:
        """On the analysis thread: keep only the newest pose; one signal until the GUI takes it."""
        with self._lock:
            self._pending = pose
            if self._queued:
                return
            self._queued = True
        self.posed.emit()

    def _show_pose(self) -> None:
        with self._lock:
            pose, self._pending, self._queued = self._pending, None, False
        analysis = self.analysis
        if pose is None or analysis is None:
            return
        choices = self.panel.choices()
        wanted = [n for n in choices.angles if n in {a.name for a in analysis.angles}]
        followed = next((pid for pid in pose.person_ids if pid >= 0), -1)
        values = {n: pose.angles.get(followed, {}).get(n, math.nan) for n in wanted}
        overlay = live_overlay(pose, analysis.estimator.keypoint_set, values, choices.threshold, choices.labels)
        if self.playback.playing:  # the clip open before would paint over the live picture
            self.playback.pause()
        self.view.set_frame(pose.frame.index, pose.picture)
        self.view.set_overlay(overlay)
        self.view.repaint()  # painted now: the latency below counts to the screen
        self.latencies.append(time.monotonic() - pose.frame.received)
        self.drawn += 1
        self.shown = pose
        self._add_history(pose.frame.time, values)

    def _add_history(self, t: float, values: dict[str, float]) -> None:
        seconds = self.live_panel.seconds.value()
        for name, value in values.items():
            self._history.setdefault(name, collections.deque()).append((t, value))
        for history in self._history.values():
            while history and history[0][0] < t - seconds:
                history.popleft()
        now = time.monotonic()
        if now - self._plotted < PLOT_MS / 1000.0:
            return
        self._plotted = now
        curves = {}
        for name in values:
            data = np.array(self._history[name], dtype=np.float64).reshape(-1, 2)
            curves[name] = (data[:, 0] - t, data[:, 1])
        self.live_panel.set_curves(curves, seconds)

    def _show_counters(self) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        s = analysis.stats()
        drawn = np.array(self.latencies) * 1000.0
        to_screen = f"{np.median(drawn):.0f} ms" if drawn.size else "-"
        self.live_panel.counters.setText(
            f"Camera {s.received_fps:.1f} fps · analysed {s.analysed_fps:.1f} fps · received {s.received}, "
            f"analysed {s.analysed}, dropped {s.dropped} · latency capture to screen {to_screen} "
            f"(model {s.model_p50_ms:.0f} ms)")
        self.live_panel.set_advice(analysis.advice())
        if self.recording is not None:
            self.live_panel.state.setText(f"Recording to {self.recording.name} ({analysis.source.received} frames "
                                          "received)")

    # ----- recording -----
    def toggle_recording(self) -> None:
        if self.analysis is None:
            self.status.info("Open a camera or stream first (File > Open camera or stream…).")
            return
        if self.recording is not None:
            self.stop()
            return
        path = self.folder / time.strftime("live-%Y%m%d-%H%M%S.mp4")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.analysis.start_recording(path)
        except Exception as exc:  # a folder that cannot be written: one sentence
            log.warning("recording could not start", exc_info=True)
            reason = getattr(exc, "strerror", None) or str(exc)
            self.status.alert(f"The recording could not start in {path.parent} ({reason}).")
            return
        self.recording = path
        self.live_panel.set_live(True, recording=True)
        self.live_panel.state.setText(f"Recording to {path.name}")
        self.status.info(f"Recording to {path}; stop with Ctrl+Shift+R (the recording then opens as a clip).")

    # ----- the end -----
    def stop(self, fault: str | None = None) -> None:
        """End the live session on a task thread; a recording is completed and opened as a clip."""
        analysis, self.analysis = self.analysis, None
        if analysis is None:
            if self.finishing is not None and fault is None:  # a second press: skip completing the analysis
                self.finishing.cancel()
            return
        self.timer.stop()
        self._show_counters_of(analysis)
        recording, self.recording = self.recording, None
        self.live_panel.set_live(False)
        self.live_panel.state.setText("Saving the recording…" if recording else "Stopping…")
        if recording:  # completing the skipped frames can take a while; the clip's own analysis can do it
            self.live_panel.stop_button.setText("Skip completing")
            self.live_panel.stop_button.setEnabled(True)

        def progress_text(done, total):
            self.live_panel.state.setText(f"Completing the recording's analysis: {done} of {total} frames")

        task = self.finishing = self.workers.task(lambda progress, cancel: analysis.finish(progress, cancel),
                                                  "Finishing the live session")
        task.progress.connect(progress_text)
        task.completed.connect(lambda summary: self._on_finished(summary, fault))
        task.failed.connect(self._on_finish_failed)
        task.start()

    def _show_counters_of(self, analysis) -> None:
        keep, self.analysis = self.analysis, analysis
        self._show_counters()
        self.analysis = keep

    def _on_ended(self, sentence) -> None:
        if self.analysis is None:
            return
        self.stop(fault=sentence or "The live source ended.")

    def _on_finish_failed(self, sentence: str) -> None:
        self.finishing = None
        self.live_panel.set_live(False)
        self.live_panel.state.setText("Not live.")
        self.live_panel.reconnect_button.show()
        self.status.alert(sentence)

    def _on_finished(self, summary, fault: str | None) -> None:
        self.finishing = None
        self.live_panel.set_live(False)
        self.summary = summary
        if self.closing:
            return
        s = summary.stats
        self.live_panel.counters.setText(f"Received {s.received}, analysed {s.analysed}, dropped {s.dropped}; "
                                         f"camera {s.received_fps:.1f} fps, analysed {s.analysed_fps:.1f} fps.")
        rec = summary.recording
        message = fault.rstrip(".") + "." if fault else ""
        if rec is not None and rec.report.path is not None and Path(rec.report.path).is_file():
            message = f"{message} The recording so far is saved as {Path(rec.report.path).name} and opens now." \
                if fault else f"Recording saved as {Path(rec.report.path).name}; it opens as a clip."
            self.opener.open_paths([str(rec.report.path)])
        self.live_panel.state.setText("Not live.")
        self.live_panel.set_advice(None)  # about a session that is over
        if fault:
            self.live_panel.reconnect_button.show()
            self.status.error(message.strip())
            if self.status.message_bar is not None:  # a warning: opening the recording does not hide it
                self.status.message_bar.show_message(message.strip(), "warning")
        elif message:
            self.status.info(message, ERROR_MS)
        if not fault:  # the clip (or nothing) is what the window shows now; the fault keeps Reconnect in view
            self.dock.hide()

    def shutdown(self) -> None:
        """The window closes: finish a running session on a task thread (the workers wait for it)."""
        self.closing = True
        self.timer.stop()
        if self.analysis is not None:
            self.stop()
