"""The picture of a session's clip: the frame the playback asks for, decoded off the GUI thread, with the
skeleton, angle labels and picked points drawn over it; the panel shows the angle values at that frame."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject

from posestudio.app.angle_picker import AnglePicker
from posestudio.app.custom_angles import CustomAngles
from posestudio.app.frame_loader import FrameLoader
from posestudio.app.overlay import frame_overlay, values_at
from posestudio.app.session import ClipSession
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.timeline import Timeline
from posestudio.app.transport import Playback
from posestudio.app.video_view import VideoView


# while playing, the timeline's cursor and the panel's angle values change at most this often: each cursor
# move repaints the timeline's rows, and numbers changing 30 times a second cannot be read anyway
SIDE_EVERY_S = 1 / 15


class FrameDisplay(QObject):
    def __init__(self, session: ClipSession, playback: Playback, view: VideoView, timeline: Timeline,
                 panel: SettingsPanel, picker: AnglePicker, custom: CustomAngles, status: StatusLine):
        super().__init__(session)
        self.session, self.playback, self.view, self.timeline = session, playback, view, timeline
        self.panel, self.picker, self.custom, self.status = panel, picker, custom, status
        self.choices = panel.choices()
        self._shown_index = -1
        self._cursor_at = self._values_at = 0.0
        session.clip_changed.connect(lambda _clip: self._clear())
        session.result_changed.connect(lambda _r: self.refresh_overlay())
        session.frames_added.connect(self._on_frames_added)
        session.angles_changed.connect(lambda _d: self.refresh_overlay())
        panel.choices_changed.connect(self._on_choices)
        picker.changed.connect(self.refresh_overlay)
        playback.index_changed.connect(self._on_index)
        playback.playing_changed.connect(self._on_playing)
        view.picture_resized.connect(self._on_picture_resized)

    def watch(self, loader: FrameLoader) -> None:
        """Show the frames of a loader (they count once it is the session's)."""
        loader.frame_ready.connect(lambda i, f, ld=loader: self._on_frame(ld, i, f))
        loader.decode_failed.connect(lambda _i, msg: self.status.error(msg))

    def _clear(self) -> None:
        self._shown_index = -1
        self.view.clear()

    def _on_choices(self, choices) -> None:
        self.choices = choices
        self.refresh_overlay()

    def _on_index(self, index: int) -> None:
        s = self.session
        if s.clip is None or s.loader is None:
            return
        now = time.monotonic()
        playing = self.playback.playing
        if not playing or now - self._cursor_at >= SIDE_EVERY_S:
            self._cursor_at = now
            self.timeline.set_cursor(float(s.clip.timestamps[index]), if_visible=playing)
        s.loader.request(index)

    def _on_playing(self, playing: bool) -> None:
        self.view.set_fast_scaling(playing)
        loader = self.session.loader
        if loader is None:
            return
        loader.set_playing(playing, self.view.picture_size())
        if not playing:  # the still: the full-size frame and the cursor where it stopped
            self._on_index(self.playback.index)

    def _on_picture_resized(self, size) -> None:
        """Zoomed or resized while playing: the frames still to come are made at the new size."""
        loader = self.session.loader
        if self.playback.playing and loader is not None:
            loader.set_playing(True, size)

    def _on_frame(self, loader: FrameLoader, index: int, frame) -> None:
        if loader is not self.session.loader:
            return
        current = self.playback.index
        # while playing, a late frame still moves the picture forward; otherwise only the wanted one shows
        if index != current and not (self.playback.playing and self._shown_index < index < current):
            return
        self._shown_index = index
        self.view.set_frame(index, frame)
        self.refresh_overlay()

    def _on_frames_added(self, start: int, stop: int) -> None:
        if start <= self.view.frame_index < stop:  # the frame on show was just analysed
            self.refresh_overlay()

    def refresh_overlay(self) -> None:
        s, index = self.session, self.view.frame_index
        overlay = frame_overlay(s.result, index, s.keypoint_set, s.angle_data, self.choices.threshold,
                                self.choices.labels, self.custom.angles)
        overlay.picked = self.picker.overlay_points() if self.picker.active else []
        self.view.set_overlay(overlay)
        now = time.monotonic()
        if not self.playback.playing or now - self._values_at >= SIDE_EVERY_S:
            self._values_at = now
            self.panel.show_values(values_at(s.angle_data, index))
