"""The window keeps the size the user gives it, down to 1280x720, and its side panels fit (issue 20)."""

from __future__ import annotations

import pytest

GYM = "mmaction2_basketball_gym_240p.mp4"


def _columns_fit(table) -> bool:
    header = table.horizontalHeader()
    last = table.columnCount() - 1
    return header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width() + 1


@pytest.mark.slow
def test_window_keeps_1280x720_after_analysing_the_gym_clip(window, analyse_with, videos_dir, qtbot):
    window.settings.angles = ["left_knee", "right_knee", "left_hip", "right_hip", "left_shoulder",
                              "right_shoulder", "left_elbow", "right_elbow", "trunk_lean"]
    window.resize(1280, 720)
    analyse_with(window, videos_dir / GYM, "movenet-multipose", timeout=300000)  # a loaded machine is slow
    qtbot.waitUntil(lambda: window.summary.table.rowCount() > 0 and not window.summary.pending, timeout=20000)
    # what grew the window before: a long status message and notes over the plot
    window.status.error("A long sentence about something that went wrong, " * 6)
    window.timeline.warning.setText("The followed person is lost or swapped between frames several times; " * 3)
    window.timeline.warning.show()
    qtbot.wait(300)
    assert (window.width(), window.height()) == (1280, 720)
    assert window.minimumSizeHint().width() <= 1280
    # all summary columns visible, Reps/min included, with the shoulders shown
    assert window.summary.table.rowCount() == 9
    assert _columns_fit(window.summary.table), "the summary's last columns are hidden behind a scroll bar"
    # the angle list has no scroll bar of its own: the side panel scrolls as one
    angle_list = window.panel.angle_list
    assert angle_list.height() >= sum(angle_list.sizeHintForRow(i) for i in range(angle_list.count()))
    window.resize(1280, 720)
    qtbot.wait(100)
    assert (window.width(), window.height()) == (1280, 720)
