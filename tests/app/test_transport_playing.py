"""The transport bar while playing: its slider and time label move a few times a second, not at every frame,
and show the exact frame once paused; the label keeps its size, so a new text does not lay out the window."""

from __future__ import annotations

import time

import numpy as np

from posestudio.app.transport import PLAYING_SHOW_EVERY_S, Playback, TransportBar


def _bar(qtbot):
    """A transport bar over a 300-frame, 30 fps clip, at its start."""
    playback = Playback()
    bar = TransportBar(playback)
    qtbot.addWidget(bar)
    playback.load(np.arange(300) / 30.0)
    bar.reset()
    return playback, bar


def test_playing_moves_the_counter_a_few_times_a_second_and_pausing_shows_the_frame(qtbot):
    playback, bar = _bar(qtbot)
    size = bar.time_label.size()
    texts = []
    bar.time_label.setText = lambda text, set_text=bar.time_label.setText: (texts.append(text), set_text(text))
    playback.playing = True   # as play() leaves it, without its timer: the steps come from here
    for index in range(1, 61):
        playback.seek(index)
    assert len(texts) <= 2 and bar.slider.value() < 60   # 60 steps in far less than a second
    time.sleep(PLAYING_SHOW_EVERY_S)
    playback.seek(61)
    assert bar.slider.value() == 61 and "frame 61 / 299" in bar.time_label.text()
    playback.seek(62)
    playback.playing = False
    playback.playing_changed.emit(False)
    assert bar.slider.value() == 62 and "frame 62 / 299" in bar.time_label.text()
    assert bar.time_label.size() == size   # fixed: the layout is not asked again


def test_paused_every_step_shows_at_once(qtbot):
    playback, bar = _bar(qtbot)
    for index in (5, 6, 7):
        playback.seek(index)
        assert bar.slider.value() == index and f"frame {index} / 299" in bar.time_label.text()
