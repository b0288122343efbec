"""Opening videos into a session: the file dialog, dropped files (the first opens, the others wait in the
panel's queue), the recent files menu; each clip is decoded by its own FrameLoader, and the previous one is
stopped once the new one is open (a clip that fails to open leaves the previous one on screen)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from posestudio.app.analysis_runner import AnalysisRunner
from posestudio.app.frame_display import FrameDisplay
from posestudio.app.frame_loader import ClipInfo, FrameLoader
from posestudio.app.session import ClipSession
from posestudio.app.settings import Settings
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import ERROR_MS, StatusLine
from posestudio.app.transport import Playback
from posestudio.app.workers import Workers

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".ts",
                  ".mts", ".m2ts", ".3gp", ".ogv", ".mxf", ".dv"}
VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ");;All files (*)"


def is_video_name(path: str) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


class ClipOpener(QObject):
    def __init__(self, session: ClipSession, workers: Workers, frames: FrameDisplay, runner: AnalysisRunner,
                 playback: Playback, panel: SettingsPanel, settings: Settings, recent_menu: QMenu,
                 status: StatusLine, dialog_parent: QWidget):
        super().__init__(session)
        self.session, self.workers, self.frames, self.runner = session, workers, frames, runner
        self.playback, self.panel, self.settings, self.recent_menu = playback, panel, settings, recent_menu
        self.status, self.dialog_parent = status, dialog_parent
        self.queue: list[str] = []
        self.opening: FrameLoader | None = None
        panel.queue_activated.connect(self._open_from_queue)
        self.fill_recent()

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.dialog_parent, "Open video", self.settings.last_folder,
                                                VIDEO_FILTER)
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> None:
        """Open the first video; the others wait in the queue. Non-videos are named in the status bar."""
        videos = [p for p in paths if is_video_name(p)]
        others = [Path(p).name for p in paths if not is_video_name(p)]
        if others:
            self.status.alert(f"{', '.join(others)} {'is not a video' if len(others) == 1 else 'are not videos'}; "
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
            self.status.alert(f"{Path(path).name} was not found; it may have been moved or deleted.")
            return
        if self.opening is not None:
            self.opening.retire()
        loader = FrameLoader(path, self, workers=self.workers)
        loader.opened.connect(lambda info, ld=loader: self._on_opened(ld, info))
        loader.open_failed.connect(lambda msg, ld=loader: self._on_open_failed(ld, msg))
        self.frames.watch(loader)
        self.opening = loader
        self.status.info(f"Opening {Path(path).name}…", 0)
        loader.start()

    def _on_open_failed(self, loader: FrameLoader, message: str) -> None:
        if loader is self.opening:
            self.opening = None
        loader.retire()
        if self.session.clip is not None:  # one sentence: the failure, then what stays on screen
            message = f"{message.rstrip('.')}; {Path(self.session.clip.path).name} stays open."
        self.status.alert(message)  # in the window, not only the status bar: easy to miss there

    def _on_opened(self, loader: FrameLoader, info: ClipInfo) -> None:
        if loader is not self.opening:
            return
        self.opening = None
        self.playback.pause()
        self.runner.cancel(quiet=True)
        if self.session.clip is None or self.session.clip.path != info.path:
            self.panel.new_clip()  # another clip: its people are not the last one's
        old = self.session.open(info, loader)
        if old is not None:
            old.retire()
        name = Path(info.path).name
        bar = self.status.message_bar
        if bar is not None and bar.kind == "error":
            bar.hide()  # the failure it reported is no longer what is on screen
        self.settings.add_recent(info.path)
        self.settings.last_folder = str(Path(info.path).parent)
        self.fill_recent()
        self.status.info(info.note or f"Opened {name}.", ERROR_MS if info.note else 4000)
        if info.note and bar is not None:
            bar.show_message(f"{name}: {info.note}", "warning")
        self.runner.start()


    def fill_recent(self) -> None:
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
        self.fill_recent()
