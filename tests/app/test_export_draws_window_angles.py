"""The exported video writes the angles the window shows, with the window's values, names and colours (issue 20)."""

from __future__ import annotations

import numpy as np

from posestudio.app.overlay import frame_overlay

RUN = "sports2d_demo3_running_side.mp4"
SHOWN = ["left_knee", "right_knee", "left_hip", "right_hip", "trunk_lean"]


def test_an_exported_frame_shows_the_window_angle_values(window, analyse_with, videos_dir, tmp_path, qtbot,
                                                         monkeypatch):
    from posestudio.app.export_dialog import ExportVideoDialog
    from posestudio.core import render
    from posestudio.core.export.video_export import export_video
    from posestudio.core.kinematics import make_angle

    window.custom.add(make_angle("knee_to_knee", "three_point", ["left_knee", "hip_center", "right_knee"]))
    window.settings.angles = SHOWN + ["knee_to_knee"]
    result = analyse_with(window, videos_dir / RUN, "movenet-lightning")
    choices = window.panel.choices()
    assert set(choices.angles) == set(SHOWN + ["knee_to_knee"])

    # the dialog as File > Export video opens it, with a range selected on the timeline
    window.timeline.set_range(0.5, 1.2)
    window.exports.export_video()
    dialog = next(w for w in window.findChildren(ExportVideoDialog))
    assert dialog.start_spin.value() == np.float64(0.5) and abs(dialog.end_spin.value() - 1.2) < 1e-3
    # the end offered is the transport's last frame time, not the clip's duration
    assert abs(dialog.end_spin.maximum() - float(window.session.clip.timestamps[-1])) < 1e-3
    options = dialog.options()
    dialog.close()

    drawn: list[tuple[float, list[tuple[str, tuple]]]] = []   # (frame time, labels written)
    real_labels, real_draw = render.FrameRenderer._angle_labels, render.FrameRenderer.draw
    now = {}

    def spy_draw(self, frame, *, time_s, **kw):
        now["t"] = time_s
        return real_draw(self, frame, time_s=time_s, **kw)

    def spy(self, frame, kps, values):
        calls = []
        real_get = self.sprites.get
        self.sprites.get = lambda text, rgb: calls.append((text, tuple(rgb))) or real_get(text, rgb)
        real_labels(self, frame, kps, values)
        del self.sprites.get
        drawn.append((now["t"], calls))

    monkeypatch.setattr(render.FrameRenderer, "_angle_labels", spy)
    monkeypatch.setattr(render.FrameRenderer, "draw", spy_draw)
    report = export_video(window.session.clip.path, tmp_path / "out.mp4", result, options)
    timestamps = window.session.clip.timestamps
    first = int(np.searchsorted(timestamps, 0.5 - 5e-4))
    assert report.frames >= 15 and len(drawn) >= 15

    compared = 0
    data = window.session.angle_data
    for t_out, calls in drawn:
        index = int(np.argmin(np.abs(timestamps - t_out)))  # the renderer gets the source frame's time
        assert index >= first
        shown = frame_overlay(result, index, window.session.keypoint_set, data, choices.threshold, True,
                              custom=tuple(window.custom.angles))
        window_labels = sorted((text, render.SIDE_COLOURS[side]) for text, _x, _y, side, _o in shown.labels)
        assert sorted(calls) == window_labels, f"frame {index}"
        compared += len(calls)
        assert all(text.endswith("°") for text, _ in calls)
    # trunk lean and the custom angle were drawn too, in the neutral colour
    assert compared >= 3 * len(drawn)
    assert any(rgb == render.CENTER_RGB for _t, calls in drawn for _text, rgb in calls)
