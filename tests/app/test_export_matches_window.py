"""The numbers in an exported CSV are the numbers the window shows at the same frame (issue 6)."""

from __future__ import annotations

import csv

import numpy as np


def test_csv_angles_equal_the_window_curves(window, open_clip, wait_analysed, videos_dir, tmp_path,
                                            require_model):
    require_model("movenet-lightning")
    window.panel.set_model("movenet-lightning")
    window.settings.model_id = "movenet-lightning"
    open_clip(window, videos_dir / "sports2d_demo3_running_side.mp4")
    result = wait_analysed(window)
    shown = window.session.angle_data.values
    assert shown, "the window should show some angles"

    from posestudio.core.io.formats import export_data  # what File > Export data writes

    choices = window.panel.choices()
    out = export_data(result, tmp_path / "run.csv", smooth=choices.smoothing, min_score=choices.threshold)
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == result.frame_count  # one person: one row per frame
    compared = 0
    for name, values in shown.items():
        column = np.array([float(r[name]) if r[name] != "" else np.nan for r in rows])
        finite = np.isfinite(values)
        # same gaps, same values (the CSV keeps a few decimals)
        np.testing.assert_array_equal(np.isfinite(column), finite, err_msg=name)
        np.testing.assert_allclose(column[finite], values[finite], atol=0.01, err_msg=name)
        # only well-covered curves count (the far arm of a runner seen from the side is mostly hidden)
        compared += finite.sum() > len(values) // 3
    assert compared >= 4
