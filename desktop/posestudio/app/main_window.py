"""The main window: builds the widgets and lays them out, makes one clip session and the presenters that act
on it (each gets the session and the widgets it drives), the menus, and stops every worker on close."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget, QMainWindow, QMenu, QProgressBar, QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget,
)

from posestudio.app import about
from posestudio.app.analysis_runner import AnalysisRunner
from posestudio.app.angle_curves import AngleCurves
from posestudio.app.angle_picker import MODES, AnglePicker
from posestudio.app.clip_opener import ClipOpener
from posestudio.app.compare.cycles_view import CyclesPresenter
from posestudio.app.compare.presenter import ComparePresenter
from posestudio.app.corrections import CorrectionActions
from posestudio.app.custom_angles import AngleDefining, CustomAngles
from posestudio.app.elided_label import ElidedLabel
from posestudio.app.export_actions import ExportActions
from posestudio.app.frame_display import FrameDisplay
from posestudio.app.gui_collector import GuiThreadCollector
from posestudio.app.identity_edits import IdentityEdits
from posestudio.app.left_out_actions import LeftOutActions
from posestudio.app.live.presenter import LivePresenter
from posestudio.app.message_bar import MessageBar
from posestudio.app.person_choice import PersonChoice
from posestudio.app.provider_label import ProviderLabel
from posestudio.app.range_summary import RangeSummary
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings, write_file
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.summary_panel import SummaryPanel, compute_summary
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback, TransportBar
from posestudio.app.video_view import VideoView
from posestudio.app.workers import Workers

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
# Core loads scipy lazily (a command that does not need it starts faster). The window does: imported on a
# worker after the window showed, extension initialisation held the GIL and the idle window stalled for
# 200-800 ms on a loaded machine; here it costs start-up time before anything is on screen instead.
import scipy.interpolate  # noqa: E402,F401
import scipy.optimize  # noqa: E402,F401
import scipy.signal  # noqa: E402,F401
import pyqtgraph.exporters  # noqa: E402,F401  (the export dialog's plot image; 80 ms on first use)

log = logging.getLogger(__name__)

EDIT_SAVE_QUIET_MS = 1500  # an edit is written once no other came for this long


def _save_to_cache(result) -> None:
    from posestudio.core.analysis import cache

    cache.save_cached(result)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.setAcceptDrops(True)
        self.setWindowTitle("Pose Studio")
        self.workers = Workers(self)
        self.collector = GuiThreadCollector(self)   # no collection on a worker while Qt objects live
        self._write_settings_off_gui_thread()
        self.session = ClipSession(self)

        self.playback = Playback(self)
        self.view = VideoView()
        self.transport = TransportBar(self.playback)
        self.timeline = Timeline()
        self.panel = SettingsPanel(self.settings)
        self.summary = SummaryPanel(self.workers.latest(compute_summary, "Computing the summary"))
        self._build_status_bar()
        self.custom = CustomAngles(self.settings, self.panel, self.status, self)
        self.picker = AnglePicker(self.view, self.custom.taken_names)
        self.panel.angle_group.layout().addWidget(self.picker)
        self._build_layout()
        self._make_presenters()
        self._build_actions()
        self._connect()
        self.transport.set_speed(self.settings.speed)
        self._restore_layout()

    # ----- construction -----
    def _write_settings_off_gui_thread(self) -> None:
        path, fmt = self.settings.file()
        saver = self.workers.saver(lambda _state: write_file(path, fmt), "Saving the settings")
        settings, self._write_settings = self.settings, lambda: saver.save(None)
        settings.write_with(self._write_settings)
        # a window dropped without being closed
        saver.destroyed.connect(lambda *_, w=self._write_settings: settings.stop_writing_with(w))

    def _build_layout(self) -> None:
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.message_bar)
        top_layout.addWidget(self.view, 1)
        top_layout.addWidget(self.transport)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([560, 340])  # the plot keeps 40% of the height, ~250 px at 1280x720
        # the plot's hint and notes wrap instead of setting the window's minimum width (issue 20)
        for label in (self.timeline.hint, self.timeline.warning):
            label.setWordWrap(True)
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
        self.message_bar = MessageBar()
        self.status = StatusLine(bar, self.message_bar)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("analysing %p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the analysis (what is done so far stays visible)")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clip_label = ElidedLabel()
        bar.addPermanentWidget(self.clip_label)
        self.provider_label = ProviderLabel(self.session)
        bar.addPermanentWidget(self.provider_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def _make_presenters(self) -> None:
        s, w, st = self.session, self.workers, self.status
        self.undo_action = self._action("Undo edit", self.undo_edit, QKeySequence.StandardKey.Undo,
                                        "Undo the last identity fix or body part left out")
        self.runner = AnalysisRunner(s, w, self.panel, self.settings, self.progress, self.cancel_button, st, self)
        self.angle_defining = AngleDefining(s, self.custom, self.picker, self.view, self.playback, self.dock,
                                            self.panel, st, self)
        self.curves = AngleCurves(s, w, self.panel, self.timeline, self.custom, st)
        self.frames = FrameDisplay(s, self.playback, self.view, self.timeline, self.panel, self.picker,
                                   self.custom, st)
        self.range_summary = RangeSummary(s, self.summary, self.timeline)
        self.identities = IdentityEdits(s, self.panel, self.playback, st, self.undo_action, self)
        self.person_choice = PersonChoice(s, w, self.view, self.panel, self.playback, st, self.progress,
                                          self.cancel_button)
        self.left_out = LeftOutActions(s, self.timeline, self.playback, st, self.undo_action, self)
        self.corrections = CorrectionActions(s, self.view, self.timeline, self.playback, st, self.identities,
                                             self.undo_action, self)
        self.exports = ExportActions(s, w, self.panel, self.timeline, self.playback, st, self, custom=self.custom)
        # an edit is saved to the analysis cache off the GUI thread (a big clip takes a while), once the edits
        # pause: a write per drag competed for the CPU with the angle recompute after it; it is written at once
        # before the cache is read (analysis, compare) and when the window closes (Workers.stop_all)
        self.edit_saver = w.saver(_save_to_cache, "Saving the edited analysis", quiet_ms=EDIT_SAVE_QUIET_MS)
        self.edit_saver.failed.connect(self._on_save_failed)
        s.edited.connect(self.edit_saver.save)
        s.cache_needed.connect(self.edit_saver.flush)
        self.recent_menu = QMenu("Open &recent", self)
        self.opener = ClipOpener(s, w, self.frames, self.runner, self.playback, self.panel, self.settings,
                                 self.recent_menu, st, self)
        self.compare = ComparePresenter(s, w, self.view, self.playback, self.timeline, st, self.settings, self)
        self.cycles = CyclesPresenter(s, self.compare, w, self.timeline, st, self.settings, self)
        self.live = LivePresenter(w, self.view, self.panel, self.opener, self.playback, st, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.live.dock)

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
        file_menu.addAction(self._action("&Open video…", self.opener.open_dialog, QKeySequence.StandardKey.Open))
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self._action("Open &camera or stream…", self.live.open_dialog,
                                         tip="Watch a camera or network stream live, with its skeleton and angles"))
        file_menu.addAction(self._action("&Record live / stop", self.live.toggle_recording, "Ctrl+Shift+R",
                                         "Start recording the live source; stop opens the recording as a clip"))
        file_menu.addSeparator()
        ex = self.exports
        self.export_action = self._action("&Export video…", ex.export_video, "Ctrl+E",
                                          "Write an MP4 with the skeleton and angles drawn on it")
        self.export_data_action = self._action("Export &data…", ex.export_data,
                                               tip="Write the keypoints and angles as CSV, JSON or TRC")
        self.export_plot_action = self._action("Export &plot…", ex.export_plot,
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
            ("Go to frame or time…", self.transport.focus_go_to, "Ctrl+G"),
        ):
            play_menu.addAction(self._action(text, slot, key))

        view_menu = menu.addMenu("&View")
        view_menu.addAction(self._action("Reset zoom", self.view.reset_view, "Ctrl+0"))
        view_menu.addAction(self._action("Fit timeline", self.timeline.fit_all, "Ctrl+F"))
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.summary_dock.toggleViewAction())

        analysis_menu = menu.addMenu("&Analysis")
        analysis_menu.addAction(self._action("Analyse again", lambda: self.runner.start(force=True)))
        analysis_menu.addAction(self._action("Cancel analysis", self.runner.cancel))
        analysis_menu.addSeparator()
        pick = self.angle_defining.start_picking
        add_menu = analysis_menu.addMenu("Add angle")
        for mode, info in MODES.items():
            add_menu.addAction(self._action(info.menu, lambda _c=False, m=mode: pick(m)))
        analysis_menu.addSeparator()
        lo = self.left_out
        for action in (lo.next_sudden_action, lo.previous_sudden_action):
            self.addAction(action)  # shortcuts work even when the menu bar is hidden
            analysis_menu.addAction(action)
        self.leave_out_menu = analysis_menu.addMenu("Leave out over the selected range")
        self.leave_out_menu.setToolTipsVisible(True)
        self.leave_out_menu.setStatusTip("Where the video shows the model drew a body part wrong: Shift+drag "
                                         "over those frames in the plot, then pick the part")
        lo.fill_part_menu(self.leave_out_menu)
        self.corrections.fill_menu(analysis_menu.addMenu("Correct keypoints"))
        analysis_menu.addSeparator()
        analysis_menu.addAction(self.undo_action)

        self.compare.fill_menu(menu.addMenu("&Compare"))
        view_menu.addAction(self.cycles.dock.toggleViewAction())
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, "F1"))
        help_menu.addAction(self._action("&About Pose Studio", self.show_about))
        help_menu.addAction(self._action("Open &log folder", about.open_log_folder))

    def _connect(self) -> None:
        self.transport.speed_changed.connect(lambda speed: setattr(self.settings, "speed", speed))
        self.timeline.seek_requested.connect(self.playback.seek_time)
        self.summary.seek_requested.connect(self.playback.seek_time)
        self.view.person_clicked.connect(self.panel.select_person)
        self.view.point_clicked.connect(self.picker.pick_at)
        self.view.person_menu_requested.connect(self.identities.person_menu)
        self.session.clip_changed.connect(self._on_clip)

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
        self.resizeDocks([self.dock, self.summary_dock], [470, 470], Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock, self.summary_dock], [500, 360], Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        self.settings.set_state("geometry", self.saveGeometry())
        self.settings.set_state("state", self.saveState())
        self.settings.set_state("splitter", self.splitter.saveState())
        self.settings.sync()

    # ----- messages -----
    def show_about(self) -> None:
        about.AboutDialog(self).show()

    def show_shortcuts(self) -> None:
        about.ShortcutsDialog(self.actions(), self).show()

    def _on_save_failed(self, _result, exc) -> None:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        self.status.error(f"The edit could not be saved ({reason}); it is lost when the clip is closed.")

    # ----- the open clip -----
    def _on_clip(self, info) -> None:
        self.timeline.set_duration(float(info.timestamps[-1]) if info.frame_count else 0.0)
        self.playback.load(info.timestamps)
        self.transport.reset()
        self.setWindowTitle(f"{Path(info.path).name} - Pose Studio")
        self.clip_label.setText(f"{info.width}x{info.height}, {info.frame_count} frames, {info.fps:.2f} fps")

    def undo_edit(self) -> bool:
        """Undo the last edit (identity fix or body part left out)."""
        if not self.session.undo_edit():
            return False
        self.status.info("Last edit undone.")
        return True

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
            self.status.error("Only files on this computer can be opened; save the video locally first.")
            return
        event.acceptProposedAction()
        if not self.compare.wants_drop(event.position().x(), self.width(), paths):  # right half: compare
            self.opener.open_paths(paths)

    # ----- threads and shutdown -----
    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop playing, analysing and decoding; wait for every worker (a pending save completes)."""
        self.playback.pause()
        self.runner.cancel(quiet=True)
        self.live.shutdown()
        self.settings.stop_writing_with(self._write_settings)   # its workers end here: QSettings writes again
        self.workers.stop_all(timeout_ms)

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.shutdown()
        self.collector.stop()   # the workers are stopped
        super().closeEvent(event)
