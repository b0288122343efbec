"""Kinovea habits: Help > Keyboard shortcuts, go to a frame or time, a range typed by its start and end
(issue 20, item 11)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from posestudio.app.about import ShortcutsDialog

RUNNING = "sports2d_demo3_running_side.mp4"


def test_shortcuts_list_reads_the_window_actions(window, qtbot):
    window.show_shortcuts()
    dialog = window.findChildren(ShortcutsDialog)[-1]
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert rows["Play / pause"] == "Space" and rows["Go to frame or time"] == "Ctrl+G"
    assert rows["Export video"] == "Ctrl+E" and "Shift+drag in the plot" in rows.values()
    dialog.close()


def test_go_to_a_frame_or_a_time_typed(window, open_clip, videos_dir, qtbot):
    open_clip(window, videos_dir / RUNNING)
    ts = window.session.clip.timestamps
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    edit = window.transport.goto_edit
    assert edit.hasFocus()
    qtbot.keyClicks(edit, "30")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.playback.index == 30
    edit.setText("0:00.500")
    assert window.transport.go_to_typed()
    assert window.playback.index == int(np.searchsorted(ts, 0.5 + 5e-4, side="right")) - 1
    edit.setText("9999")
    assert not window.transport.go_to_typed()
    assert "past the last frame" in edit.toolTip() and window.playback.index != 9999


def test_a_range_typed_in_the_summary(window, open_clip, videos_dir, qtbot):
    open_clip(window, videos_dir / RUNNING)
    window.playback.seek(10)
    window.summary.range_button.click()
    assert window.summary.range_row.isVisible()
    # starts at the frame on screen and runs to the end, not a middle third
    start, end = window.timeline.selected_range
    assert abs(end - float(window.session.clip.timestamps[-1])) < 1e-6
    window.summary.from_edit.setText("0.5")
    window.summary.to_edit.setText("0:01.200")
    qtbot.keyClick(window.summary.to_edit, Qt.Key.Key_Return)
    assert np.allclose(window.timeline.selected_range, (0.5, 1.2), atol=1e-6)
    assert window.summary.range == (0.5, 1.2) or np.allclose(window.summary.range, (0.5, 1.2))
    window.summary.to_edit.setText("0.2")
    qtbot.keyClick(window.summary.to_edit, Qt.Key.Key_Return)
    assert "after the start" in window.summary.range_note.text()
