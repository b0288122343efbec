"""The JSON file users get: the video, the model and, per frame, every person's id, score and keypoints
(pixels, upright picture, origin top-left); optionally each person's angles and how they were computed, and
what the user left out. Times are in seconds (`time_s`, as the CSV columns)."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Mapping

import numpy as np

from posestudio.core.analysis.left_out import left_out_ranges
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.atomic import atomic_path


def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _frame(result: AnalysisResult, i: int, extra: Mapping[str, np.ndarray] | None) -> dict:
    people = []
    for p in result.people_in_frame(i):
        kps = result.keypoints[i, p]
        person = {
            "id": int(result.person_ids[i, p]),
            "score": _num(result.person_scores[i, p], 4),
            "keypoints": [[_num(x, 2), _num(y, 2), _num(s, 4)] for x, y, s in kps.tolist()],
        }
        if extra:
            person["angles"] = {name: _num(float(v[i, p]), 3) for name, v in extra.items()}
        if result.manual is not None and result.manual[i, p].any():  # placed, carried or hidden by hand
            person["manual"] = {result.keypoint_names[k]: True for k in np.flatnonzero(result.manual[i, p])}
        people.append(person)
    return {"index": i, "time_s": _num(result.timestamps[i], 6), "people": people}


def _head(result: AnalysisResult, angle_settings: Mapping | None) -> dict:
    """Everything but the frames (which come last, so a writer can stream them)."""
    out = {
        "video": result.video_path,
        "model": result.model_id,
        "keypoint_names": list(result.keypoint_names),
        "fps": float(result.fps),
        "frame_count": int(result.frame_count),
        "width": int(result.width),
        "height": int(result.height),
    }
    if angle_settings:
        out["angle_settings"] = dict(angle_settings)
    if result.left_out is not None and result.left_out.any():
        # what the user saw was wrong and left out of the angles (the keypoints above are the model's)
        out["left_out"] = [{"person": pid, "first_frame": a, "last_frame": b, "parts": list(parts)}
                           for pid in result.person_ids_present() for a, b, parts in left_out_ranges(result, pid)]
    return out


def to_json_dict(result: AnalysisResult, extra: Mapping[str, np.ndarray] | None = None,
                 angle_settings: Mapping | None = None) -> dict:
    """The issue's JSON layout as one dict (for short results; files are streamed by write_json); `extra`
    (name -> (F, P)) adds an "angles" object to each person, and `angle_settings` (how those angles were
    computed) a top-level "angle_settings" object."""
    out = _head(result, angle_settings)
    out["frames"] = [_frame(result, i, extra) for i in range(result.frame_count)]
    return out


def write_json(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None,
               angle_settings: Mapping | None = None) -> Path:
    """The same bytes as json.dump(to_json_dict(...)), written a frame at a time: memory does not grow with
    the clip's length."""
    path = Path(path)
    dump = functools.partial(json.dumps, separators=(",", ":"), allow_nan=False)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(dump(_head(result, angle_settings))[:-1] + ',"frames":[')
            for i in range(result.frame_count):
                fh.write(("," if i else "") + dump(_frame(result, i, extra)))
            fh.write("]}")
    return path
