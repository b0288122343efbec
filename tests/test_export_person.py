"""File > Export data writes the TRC markers of the person the window follows, not just the one seen longest."""

from __future__ import annotations

import numpy as np

from posestudio.app.export_jobs import data_job
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.models.skeleton import COCO17


def _two_people() -> AnalysisResult:
    r = AnalysisResult.empty(6, 2, COCO17.names, model_id="movenet-multipose", keypoint_set="coco17",
                             video_path="x.mp4", fingerprint="f", width=640, height=480, fps=30.0, note=None)
    r.timestamps[:] = np.arange(6) / 30
    r.analysed[:] = True
    for slot, (pid, x) in enumerate([(0, 100.0), (1, 500.0)]):
        frames = slice(0, 6) if pid == 0 else slice(0, 4)  # person 0 is seen longest
        r.person_ids[frames, slot] = pid
        r.keypoints[frames, slot, :, 0] = x
        r.keypoints[frames, slot, :, 1] = np.linspace(50, 400, len(COCO17.names))
        r.keypoints[frames, slot, :, 2] = 0.9
        r.person_scores[frames, slot] = 0.9
    return r


def _first_marker_x(path) -> float:
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    data = next(row for row in rows if row and row[0] == "1")  # frame 1
    return float(data[2])


def test_trc_follows_the_chosen_person(tmp_path):
    result = _two_people()
    chosen = data_job(result, str(tmp_path / "chosen.trc"), person_id=1)(lambda *a: None, None)
    longest = data_job(result, str(tmp_path / "longest.trc"))(lambda *a: None, None)
    assert _first_marker_x(chosen) == 500.0
    assert _first_marker_x(longest) == 100.0
