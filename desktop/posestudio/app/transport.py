"""Playback at the clip's real timestamps, and the transport bar (buttons, speed, slider, time label)."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSlider, QStyle, QToolButton, QWidget

from posestudio.core.display import format_time, parse_position

GOTO_TIP = "Go to a frame (type 120) or a time (1.5, 1.5 s or 0:01.500), then Enter (Ctrl+G)"
SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
TIME_TEMPLATE = "0:00.000 / 0:00.000   frame 00000 / 00000"   # the time label is at least this wide
# while playing, the slider and the time label move at most this often (each move repaints and flushes them;
# a number changing 30 times a second cannot be read); paused, every step shows at once
PLAYING_SHOW_EVERY_S = 1 / 15


class Playback(QObject):
    """Which frame is current; while playing, a single-shot timer is aimed at the next frame's timestamp.

    The clock is wall time since play started, scaled by the speed; when the machine falls behind,
    frames are skipped rather than slowing the clip down.
    """

    index_changed = Signal(int)
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.timestamps = np.zeros(0)
        self.index = 0
        self.speed = 1.0
        self.playing = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._wall0 = 0.0
        self._media0 = 0.0

    @property
    def frame_count(self) -> int:
        return len(self.timestamps)

    @property
    def time(self) -> float:
        return float(self.timestamps[self.index]) if self.frame_count else 0.0

    def load(self, timestamps: np.ndarray) -> None:
        self.pause()
        self.timestamps = np.asarray(timestamps, dtype=float)
        self.index = 0
        self.index_changed.emit(0)

    def seek(self, index: int) -> None:
        if not self.frame_count:
            return
        index = int(min(max(index, 0), self.frame_count - 1))
        if self.playing:
            self._restart_clock(index)
        if index != self.index:
            self.index = index
            self.index_changed.emit(index)
        if self.playing:
            self._schedule()

    def seek_time(self, seconds: float) -> None:
        """The frame showing at `seconds` (the last one whose timestamp is not after it)."""
        if self.frame_count:
            self.seek(int(np.searchsorted(self.timestamps, seconds + 1e-6, side="right")) - 1)

    def step(self, frames: int) -> None:
        self.seek(self.index + frames)

    def step_seconds(self, seconds: float) -> None:
        if self.frame_count:
            self.seek_time(self.time + seconds)

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        if self.playing:
            self._restart_clock(self.index)
            self._schedule()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.frame_count < 2 or self.playing:
            return
        if self.index >= self.frame_count - 1:
            self.seek(0)  # playing from the end starts over, as video players do
        self.playing = True
        self._restart_clock(self.index)
        self.playing_changed.emit(True)
        self._schedule()

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self._timer.stop()
        self.playing_changed.emit(False)

    def _restart_clock(self, index: int) -> None:
        self._wall0 = time.perf_counter()
        self._media0 = float(self.timestamps[index])

    def _media_now(self) -> float:
        return self._media0 + (time.perf_counter() - self._wall0) * self.speed

    def _schedule(self) -> None:
        nxt = self.index + 1
        if nxt >= self.frame_count:
            # hold the last frame for its own duration, then stop
            last_gap = float(np.median(np.diff(self.timestamps[-5:]))) if self.frame_count > 1 else 0.0
            due = self.timestamps[-1] + last_gap
        else:
            due = self.timestamps[nxt]
        wait_ms = (due - self._media_now()) / self.speed * 1000.0
        self._timer.start(int(max(0.0, wait_ms)))

    def _tick(self) -> None:
        if not self.playing:
            return
        if self.index >= self.frame_count - 1:
            self.pause()
            return
        # the timer was aimed at the next frame, so move at least one; more if we fell behind
        behind = int(np.searchsorted(self.timestamps, self._media_now() + 1e-6, side="right")) - 1
        self.index = min(max(behind, self.index + 1), self.frame_count - 1)
        self.index_changed.emit(self.index)
        self._schedule()


class TransportBar(QWidget):
    """Buttons, slider and a Go to field; the buttons take no keyboard focus (the window's shortcuts do that)."""

    speed_changed = Signal(float)

    def __init__(self, playback: Playback, parent: QWidget | None = None):
        super().__init__(parent)
        self.playback = playback

        style = self.style()

        def button(icon: QStyle.StandardPixmap, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setIcon(style.standardIcon(icon))
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            return b

        sp = QStyle.StandardPixmap
        self.first_button = button(sp.SP_MediaSkipBackward, "First frame (Home)", lambda: playback.seek(0))
        self.back_button = button(sp.SP_MediaSeekBackward, "Previous frame (Left); one second back: Shift+Left",
                                  lambda: playback.step(-1))
        self.play_button = button(sp.SP_MediaPlay, "Play / pause (Space)", playback.toggle)
        self.next_button = button(sp.SP_MediaSeekForward, "Next frame (Right); one second on: Shift+Right",
                                  lambda: playback.step(1))
        self.last_button = button(sp.SP_MediaSkipForward, "Last frame (End)",
                                  lambda: playback.seek(playback.frame_count - 1))
        self._play_icon = style.standardIcon(sp.SP_MediaPlay)
        self._pause_icon = style.standardIcon(sp.SP_MediaPause)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_slider)
        self.speed_box = QComboBox()
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_box.setToolTip("Playback speed")
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}x", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(self._on_speed)
        self.goto_edit = QLineEdit()
        self.goto_edit.setPlaceholderText("Go to…")
        self.goto_edit.setToolTip(GOTO_TIP)
        self.goto_edit.setMaximumWidth(self.fontMetrics().horizontalAdvance("0:00.000 ") + 24)
        self.goto_edit.returnPressed.connect(self.go_to_typed)
        self.time_label = QLabel()
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._fit_time_label(TIME_TEMPLATE)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (self.first_button, self.back_button, self.play_button, self.next_button, self.last_button):
            layout.addWidget(w)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time_label)
        layout.addWidget(self.goto_edit)
        layout.addWidget(self.speed_box)

        self._shown_at = 0.0
        playback.index_changed.connect(self._on_index)
        playback.playing_changed.connect(self._on_playing)
        self.set_enabled(False)

    def focus_go_to(self) -> None:
        """Ctrl+G: type a frame or time."""
        self.goto_edit.setFocus()
        self.goto_edit.selectAll()

    def go_to_typed(self) -> bool:
        """Seek to the frame number or time typed in the Go to field; a typo turns the field red and its
        tooltip says why (nothing moves)."""
        pb = self.playback
        try:
            index = parse_position(self.goto_edit.text(), pb.timestamps)
        except ValueError as exc:
            self.goto_edit.setStyleSheet("background: rgb(255, 215, 205)")
            self.goto_edit.setToolTip(str(exc))
            return False
        self.goto_edit.setStyleSheet("")
        self.goto_edit.setToolTip(GOTO_TIP)
        pb.seek(index)
        self.goto_edit.clear()
        self.goto_edit.clearFocus()  # Space, arrows and Home/End drive playback again
        return True

    def set_enabled(self, enabled: bool) -> None:
        for w in (self.first_button, self.back_button, self.play_button, self.next_button, self.last_button,
                  self.slider, self.goto_edit):
            w.setEnabled(enabled)

    def set_speed(self, speed: float) -> None:
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed_box.setCurrentIndex(best)
        self.playback.set_speed(SPEEDS[best])

    def reset(self) -> None:
        count = self.playback.frame_count
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(count - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.set_enabled(count > 0)
        if count:
            self._fit_time_label(max(self._time_text(count - 1), TIME_TEMPLATE, key=len))
        self.show_index(self.playback.index)

    def _fit_time_label(self, widest: str) -> None:
        """A fixed size, wide enough for `widest` with every digit as wide as a 0: then a new text at each
        frame does not lay the window out again (a label that may change size asks its layout every time)."""
        template = "".join("0" if c.isdigit() else c for c in widest)
        metrics = self.time_label.fontMetrics()
        width = max(metrics.horizontalAdvance(template), metrics.horizontalAdvance(widest)) + 8
        self.time_label.setFixedSize(width, self.time_label.sizeHint().height())

    def _time_text(self, index: int) -> str:
        pb = self.playback
        return (f"{format_time(float(pb.timestamps[index]))} / {format_time(float(pb.timestamps[-1]))}   "
                f"frame {index} / {pb.frame_count - 1}")

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setIcon(self._pause_icon if playing else self._play_icon)
        if not playing:
            self.show_index(self.playback.index)   # where it stopped, whenever the last move was shown

    def _on_index(self, index: int) -> None:
        now = time.monotonic()
        if self.playback.playing and now - self._shown_at < PLAYING_SHOW_EVERY_S:
            return
        self._shown_at = now
        self.show_index(index)

    def show_index(self, index: int) -> None:
        pb = self.playback
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        if not pb.frame_count:
            self.time_label.setText("")
            return
        self.time_label.setText(self._time_text(index))

    def _on_slider(self, value: int) -> None:
        self.playback.seek(value)

    def _on_speed(self, i: int) -> None:
        speed = float(self.speed_box.itemData(i))
        self.playback.set_speed(speed)
        self.speed_changed.emit(speed)
