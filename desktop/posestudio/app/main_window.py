"""The main window: composes the view, transport, timeline and side panel, and wires clip, analysis, angles."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton,
    QScrollArea, QSplitter, QVBoxLayout, QWidget,
)

from posestudio.app import about
from posestudio.app.analysis_controller import ERROR_MS, AnalysisController
from posestudio.app.angle_picker import AnglePicker
from posestudio.app.edit_actions import EditActions
from posestudio.app.export_actions import ExportActions
from posestudio.app.frame_loader import ClipInfo, FrameLoader
from posestudio.app.left_out_actions import LeftOutActions
from posestudio.app.overlay import frame_overlay, values_at
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.summary_panel import SummaryPanel
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback, TransportBar
from posestudio.app.video_view import VideoView

# Imported here, not on first use: a first import inside a slot (PySide6's import hook reads the
# module's source) or on a worker (it holds the import lock) stalls the event loop mid-playback.
import onnxruntime  # noqa: E402,F401
import posestudio.core.analysis.run  # noqa: E402,F401
import posestudio.core.models.registry  # noqa: E402,F401
import posestudio.core.kinematics  # noqa: E402,F401
import posestudio.core.models.pose  # noqa: E402,F401
import posestudio.core.models.pose.blazepose  # noqa: E402,F401
import posestudio.core.models.pose.movenet  # noqa: E402,F401
import posestudio.core.video.source  # noqa: E402,F401

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".ts",
                  ".mts", ".m2ts", ".3gp", ".ogv", ".mxf", ".dv"}
VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ");;All files (*)"


def _import_lazy_modules() -> None:
    try:
        import scipy.interpolate  # noqa: F401
        import scipy.optimize  # noqa: F401
        import scipy.signal  # noqa: F401
    except Exception:  # only a warm-up; the real import reports any problem
        log.debug("Warm-up import failed", exc_info=True)


def warm_up_imports() -> None:
    """Core loads scipy lazily (start-up time). Its first import inside an angle or analysis job stalls
    the GUI for several hundred ms (extension initialisation holds the GIL), so do it in the background
    while the window waits for a file."""
    threading.Thread(target=_import_lazy_modules, name="warm-up-imports", daemon=True).start()


def is_video_name(path: str) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.setAcceptDrops(True)
        self.setWindowTitle("Pose Studio")
        self.clip: ClipInfo | None = None
        self.loader: FrameLoader | None = None
        self._opening: FrameLoader | None = None
        self.queue: list[str] = []
        self._retired: set[QThread] = set()
        self._shown_index = -1
        # tests replace this to answer the re-analysis question without a dialog
        self.confirm_reanalyse = self._ask_reanalyse
        self.confirm_discard_edits = self._ask_discard_edits

        self.playback = Playback(self)
        self.view = VideoView()
        self.transport = TransportBar(self.playback)
        self.timeline = Timeline()
        self.panel = SettingsPanel(self.settings)
        self.summary = SummaryPanel()
        self.controller = AnalysisController(self)
        self.panel.set_custom_angles(self.controller.custom)
        self.picker = AnglePicker(self.view, self.controller.taken_names)
        self.edits = EditActions(self)
        self.left_out_actions = LeftOutActions(self)
        self.exports = ExportActions(self)
        self.panel.angle_group.layout().addWidget(self.picker)
        self._build_layout()
        self._build_status_bar()
        self._build_actions()
        self._connect()
        self.transport.set_speed(self.settings.speed)
        self._restore_layout()
        QTimer.singleShot(0, warm_up_imports)

    # ----- construction -----
    def _build_layout(self) -> None:
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.view, 1)
        top_layout.addWidget(self.transport)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([620, 240])
        self.setCentralWidget(self.splitter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.panel)
        # wide enough that nothing in the panel is cut off
        scroll.setMinimumWidth(self.panel.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        self.dock = QDockWidget("Angles and settings", self)
        self.dock.setObjectName("side_panel")
        self.dock.setWidget(scroll)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.summary_dock = QDockWidget("Summary", self)
        self.summary_dock.setObjectName("summary_panel")
        self.summary_dock.setWidget(self.summary)
        self.summary_dock.setFeatures(self.dock.features())
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.summary_dock)
        self.resize(1400, 900)


    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("analysing %p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the analysis (what is done so far stays visible)")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.cancel_analysis)
        self.clip_label = QLabel()
        bar.addPermanentWidget(self.clip_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        pb = self.playback
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self._action("&Open video…", self.open_dialog, QKeySequence.StandardKey.Open))
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._fill_recent()
        file_menu.addSeparator()
        self.export_action = self._action("&Export video…", self.exports.export_video, "Ctrl+E",
                                          "Write an MP4 with the skeleton and angles drawn on it")
        self.export_data_action = self._action("Export &data…", self.exports.export_data,
                                               tip="Write the keypoints and angles as CSV, JSON or TRC")
        self.export_plot_action = self._action("Export &plot…", self.exports.export_plot,
                                               tip="Save the angle curves as PNG or SVG")
        for action in (self.export_action, self.export_data_action, self.export_plot_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, "Ctrl+Q"))

        play_menu = menu.addMenu("&Playback")
        self.play_action = self._action("Play / pause", pb.toggle, Qt.Key.Key_Space)
        play_menu.addAction(self.play_action)
        for text, slot, key in (
            ("Next frame", lambda: pb.step(1), Qt.Key.Key_Right),
            ("Previous frame", lambda: pb.step(-1), Qt.Key.Key_Left),
            ("One second on", lambda: pb.step_seconds(1.0), "Shift+Right"),
            ("One second back", lambda: pb.step_seconds(-1.0), "Shift+Left"),
            ("First frame", lambda: pb.seek(0), Qt.Key.Key_Home),
            ("Last frame", lambda: pb.seek(pb.frame_count - 1), Qt.Key.Key_End),
        ):
            play_menu.addAction(self._action(text, slot, key))

        view_menu = menu.addMenu("&View")
        view_menu.addAction(self._action("Reset zoom", self.view.reset_view, "Ctrl+0"))
        view_menu.addAction(self._action("Fit timeline", self.timeline.fit_all, "Ctrl+F"))
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.summary_dock.toggleViewAction())

        analysis_menu = menu.addMenu("&Analysis")
        analysis_menu.addAction(self._action("Analyse again", lambda: self.start_analysis(force=True)))
        analysis_menu.addAction(self._action("Cancel analysis", self.cancel_analysis))
        analysis_menu.addSeparator()
        analysis_menu.addAction(self._action("Add angle at a joint…", lambda: self.edits.start_picking(3),
                                             tip="Click three keypoints on the video"))
        analysis_menu.addAction(self._action("Add angle between segments…", lambda: self.edits.start_picking(4),
                                             tip="Click four keypoints on the video"))
        analysis_menu.addSeparator()
        lo = self.left_out_actions
        self.next_sudden_action = self._action("Next sudden change", lambda: lo.go_to_sudden(1), "Ctrl+J",
                                               "Go to where a curve next changes faster than 1200°/s")
        self.previous_sudden_action = self._action("Previous sudden change", lambda: lo.go_to_sudden(-1),
                                                   "Ctrl+Shift+J")
        analysis_menu.addAction(self.next_sudden_action)
        analysis_menu.addAction(self.previous_sudden_action)
        self.leave_out_menu = analysis_menu.addMenu("Leave out over the selected range")
        self.leave_out_menu.setToolTipsVisible(True)
        self.leave_out_menu.setStatusTip("Where the video shows the model drew a body part wrong: Shift+drag "
                                         "over those frames in the plot, then pick the part")
        lo.fill_part_menu(self.leave_out_menu)
        analysis_menu.addSeparator()
        self.undo_action = self._action("Undo edit", self.controller.undo_edit, QKeySequence.StandardKey.Undo,
                                            "Undo the last identity fix or body part left out")
        analysis_menu.addAction(self.undo_action)

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self._action("&About Pose Studio", self.show_about))
        help_menu.addAction(self._action("Open &log folder", about.open_log_folder))

    def _connect(self) -> None:
        self.playback.index_changed.connect(self._on_index)
        self.playback.playing_changed.connect(self._on_playing)
        self.transport.speed_changed.connect(lambda s: setattr(self.settings, "speed", s))
        self.timeline.seek_requested.connect(self.playback.seek_time)
        self.view.person_clicked.connect(self.panel.select_person)
        self.view.point_clicked.connect(self.picker.pick_at)
        self.view.person_menu_requested.connect(self.edits.person_menu)
        self.picker.changed.connect(self._refresh_overlay)
        self.picker.finished.connect(self.edits.on_picked)
        self.picker.cancelled.connect(lambda: self.show_info("No angle added."))
        self.controller.overlay_changed.connect(self._refresh_overlay)
        self.controller.angles_changed.connect(self.edits.on_angles)
        self.timeline.range_changed.connect(self.edits.on_range)
        self.timeline.context_requested.connect(self.left_out_actions.timeline_menu)
        self.summary.seek_requested.connect(self.playback.seek_time)
        self.summary.select_range_toggled.connect(self.edits.toggle_range)
        self.summary.clear_range_requested.connect(self.timeline.clear_range)
        p = self.panel
        p.model_requested.connect(self.controller.model_requested)
        p.add_angle_requested.connect(self.edits.start_picking)
        p.rename_angle_requested.connect(self.edits.rename_angle)
        p.delete_angle_requested.connect(self.controller.delete_custom)
        p.person_menu_requested.connect(self.edits.person_menu)
        p.threshold_changed.connect(lambda _v: self.request_angles())
        p.smoothing_changed.connect(lambda _v: self.request_angles())
        p.angles_changed.connect(lambda _v: self.request_angles())
        p.person_changed.connect(lambda _v: self.request_angles())
        p.labels_toggled.connect(lambda _v: self._refresh_overlay())
        p.queue_activated.connect(self._open_from_queue)

    # ----- layout persistence -----
    def _restore_layout(self) -> None:
        geometry = self.settings.state("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.state("state")
        if state is not None:
            self.restoreState(state)
        else:  # docks only take sizes once the window is laid out
            QTimer.singleShot(0, self._default_dock_sizes)
        splitter = self.settings.state("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def _default_dock_sizes(self) -> None:
        # wide enough for the summary's columns without scrolling; the settings get most of the height
        self.resizeDocks([self.dock, self.summary_dock], [520, 520], Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock, self.summary_dock], [540, 320], Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        self.settings.set_state("geometry", self.saveGeometry())
        self.settings.set_state("state", self.saveState())
        self.settings.set_state("splitter", self.splitter.saveState())
        self.settings.sync()

    # ----- messages -----
    def show_error(self, message: str) -> None:
        log.info("Shown to the user: %s", message)
        self.statusBar().showMessage(message, ERROR_MS)

    def show_info(self, message: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(message, ms)

    def show_about(self) -> None:
        about.AboutDialog(self).show()

    def _ask_reanalyse(self, model_id: str) -> bool:
        answer = QMessageBox.question(
            self, "Analyse again?",
            f"This clip is analysed with another model. Analyse it again with {self.panel.model_box.currentText()}?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_discard_edits(self) -> bool:
        answer = QMessageBox.question(
            self, "Analyse again?",
            "Analysing again replaces this clip's analysis, and with it your edits (identities fixed, body parts "
            "left out). Analyse again?",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ----- opening files -----
    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open video", self.settings.last_folder, VIDEO_FILTER)
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> None:
        """Open the first video; the others wait in the queue. Non-videos are named in the status bar."""
        videos = [p for p in paths if is_video_name(p)]
        others = [Path(p).name for p in paths if not is_video_name(p)]
        if others:
            self.show_error(f"{', '.join(others)} {'is not a video' if len(others) == 1 else 'are not videos'}; "
                            "drop video files such as MP4, MOV, AVI, MKV or WebM.")
        if not videos:
            return
        self.queue.extend(p for p in videos[1:] if p not in self.queue)
        self.panel.set_queue(self.queue)
        self.open_video(videos[0])

    def _open_from_queue(self, path: str) -> None:
        if path in self.queue:
            self.queue.remove(path)
            self.panel.set_queue(self.queue)
        self.open_video(path)

    def open_video(self, path: str) -> None:
        path = str(Path(path).expanduser())
        if not Path(path).is_file():
            self.show_error(f"{Path(path).name} was not found; it may have been moved or deleted.")
            return
        if self._opening is not None:
            self._retire_loader(self._opening)
        loader = FrameLoader(path, self)
        loader.opened.connect(lambda info, ld=loader: self._on_opened(ld, info))
        loader.open_failed.connect(lambda msg, ld=loader: self._on_open_failed(ld, msg))
        loader.frame_ready.connect(lambda i, f, ld=loader: self._on_frame(ld, i, f))
        loader.decode_failed.connect(lambda _i, msg: self.show_error(msg))
        self._opening = loader
        self.show_info(f"Opening {Path(path).name}…", 0)
        loader.start()

    def _on_open_failed(self, loader: FrameLoader, message: str) -> None:
        if loader is self._opening:
            self._opening = None
        self._retire_loader(loader)
        self.show_error(message)  # the previous clip stays open

    def _on_opened(self, loader: FrameLoader, info: ClipInfo) -> None:
        if loader is not self._opening:
            return
        self._opening = None
        self.playback.pause()
        self.cancel_analysis(quiet=True)
        if self.loader is not None:
            self._retire_loader(self.loader)
        self.loader, self.clip = loader, info
        self.controller.clip_opened()
        self.picker.cancel()
        self._shown_index = -1
        self.view.clear()
        self.timeline.clear_curves()
        self.timeline.clear_range()
        self.edits.update_summary()
        self.timeline.set_duration(float(info.timestamps[-1]) if info.frame_count else 0.0)
        self.playback.load(info.timestamps)
        self.transport.reset()
        name = Path(info.path).name
        self.setWindowTitle(f"{name} - Pose Studio")
        self.clip_label.setText(f"{info.width}x{info.height}, {info.frame_count} frames, {info.fps:.2f} fps")
        self.settings.add_recent(info.path)
        self.settings.last_folder = str(Path(info.path).parent)
        self._fill_recent()
        self.show_info(info.note or f"Opened {name}.", ERROR_MS if info.note else 4000)
        self.start_analysis()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_video(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self._fill_recent()

    # ----- drag and drop -----
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if not paths:
            self.show_error("Only files on this computer can be opened; save the video locally first.")
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    # ----- frames -----
    def _on_index(self, index: int) -> None:
        if self.clip is None or self.loader is None:
            return
        self.timeline.set_cursor(float(self.clip.timestamps[index]))
        self.loader.request(index)

    def _on_playing(self, playing: bool) -> None:
        self.view.set_fast_scaling(playing)
        if self.loader is not None:
            self.loader.set_playing(playing)

    def _on_frame(self, loader: FrameLoader, index: int, frame) -> None:
        if loader is not self.loader:
            return
        current = self.playback.index
        # while playing, a late frame still moves the picture forward; otherwise only the wanted one shows
        if index != current and not (self.playback.playing and self._shown_index < index < current):
            return
        self._shown_index = index
        self.view.set_frame(index, frame)
        self._refresh_overlay()

    def _refresh_overlay(self) -> None:
        index = self.view.frame_index
        overlay = frame_overlay(self.result, index, self.keypoint_set, self.angle_data, self.panel.threshold,
                                self.panel.labels_box.isChecked(), self.controller.custom)
        overlay.picked = self.picker.overlay_points() if self.picker.active else []
        self.view.set_overlay(overlay)
        self.panel.show_values(values_at(self.angle_data, index))

    # ----- analysis and angles (the controller does the work) -----
    analysis = property(lambda self: self.controller.analysis)
    result = property(lambda self: self.controller.result)
    keypoint_set = property(lambda self: self.controller.keypoint_set)
    angle_data = property(lambda self: self.controller.angle_data)

    def start_analysis(self, force: bool = False) -> None:
        self.controller.start(force)

    def cancel_analysis(self, quiet: bool = False) -> None:
        self.controller.cancel(quiet)

    def request_angles(self) -> None:
        self.controller.request_angles()

    # ----- threads and shutdown -----
    def retire(self, thread: QThread) -> None:
        """Keep a finishing thread referenced until it ends (a QThread must not be destroyed while running)."""
        if thread.isFinished():
            return
        self._retired.add(thread)
        thread.finished.connect(lambda t=thread: self._retired.discard(t))

    def _retire_loader(self, loader: FrameLoader) -> None:
        loader.stop()
        self.retire(loader.thread)
        loader.setParent(None)
        loader.thread.finished.connect(loader.deleteLater)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self.playback.pause()
        self.cancel_analysis(quiet=True)
        for loader in (self.loader, self._opening):
            if loader is not None:
                loader.stop()
                self.retire(loader.thread)
        self.loader = self._opening = None
        for thread in list(self._retired):
            if not thread.wait(timeout_ms):
                log.warning("A worker thread (%s) did not stop in time", thread.objectName())
        self.controller.wait(timeout_ms)
        self.edits.wait(timeout_ms)  # summary job, and a pending save of an identity fix

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)
