"""CSV files: the wide layout (`frame, time_s, person, <kp>_x, <kp>_y, <kp>_score` for every keypoint, then
any extra columns such as angles; one row per frame and person, a frame with nobody keeps a row with
empty cells) and the long (tidy) one (`frame, time_s, person, variable, value`, the wide column names as
variables; frames without anybody have no rows). Empty cells are values that are not known."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Mapping

import numpy as np

from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.atomic import atomic_path


def csv_header(keypoint_names, extra: Mapping[str, np.ndarray] | None = None) -> list[str]:
    cols = ["frame", "time_s", "person"]  # units in the name, as every time column the app writes
    for name in keypoint_names:
        cols += [f"{name}_x", f"{name}_y", f"{name}_score"]
    return cols + list(extra or {})


def csv_cell(value: float, digits: int) -> str:
    """A number as CSV text with `digits` decimals; an empty cell when it is not known (NaN)."""
    return f"{value:.{digits}f}" if math.isfinite(value) else ""


def manual_columns(result: AnalysisResult) -> dict[str, np.ndarray]:
    """`<keypoint>_manual` -> (F, P) bool (placed, carried over or marked not visible by hand), only for an
    analysis the user corrected: files of uncorrected ones keep their columns."""
    if result.manual is None:
        return {}
    return {f"{n}_manual": result.manual[:, :, k] > 0 for k, n in enumerate(result.keypoint_names)}


def write_csv(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None) -> Path:
    """One row per frame and person (by track id); a frame with nobody still gets a row with empty cells.

    `extra` adds columns: name -> (F, P) array aligned with the result's slots (e.g. joint angles).
    """
    path = Path(path)
    k = len(result.keypoint_names)
    extra = dict(extra or {})
    manual = manual_columns(result)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(csv_header(result.keypoint_names, extra) + list(manual))
            for i in range(result.frame_count):
                head = [str(i), csv_cell(result.timestamps[i], 6)]
                slots = result.people_in_frame(i)
                if not slots:
                    writer.writerow(head + [""] * (1 + 3 * k + len(extra) + len(manual)))
                    continue
                for p in sorted(slots, key=lambda s: result.person_ids[i, s]):
                    row = head + [str(int(result.person_ids[i, p]))]
                    for x, y, s in result.keypoints[i, p].tolist():
                        row += [csv_cell(x, 2), csv_cell(y, 2), csv_cell(s, 4)]
                    row += [csv_cell(float(values[i, p]), 3) for values in extra.values()]
                    row += ["1" if m[i, p] else "0" for m in manual.values()]
                    writer.writerow(row)
    return path


def write_long_csv(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None) -> Path:
    """One row per frame, person and variable: the keypoints, then the `extra` columns (name -> (F, P)), then
    `<keypoint>_manual` = 1 for each keypoint set by hand (corrected analyses only; no row: the model's)."""
    path = Path(path)
    extra = dict(extra or {})
    manual = manual_columns(result)
    kp_vars = [(f"{n}_{c}", k, j, 4 if c == "score" else 2)
               for k, n in enumerate(result.keypoint_names) for j, c in enumerate(("x", "y", "score"))]
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["frame", "time_s", "person", "variable", "value"])
            for i in range(result.frame_count):
                t = csv_cell(float(result.timestamps[i]), 6)
                for p in sorted(result.people_in_frame(i), key=lambda s: result.person_ids[i, s]):
                    head = [str(i), t, str(int(result.person_ids[i, p]))]
                    kps = result.keypoints[i, p]
                    w.writerows(head + [var, csv_cell(float(kps[k, j]), d)] for var, k, j, d in kp_vars)
                    w.writerows(head + [var, csv_cell(float(values[i, p]), 3)] for var, values in extra.items())
                    w.writerows(head + [var, "1"] for var, m in manual.items() if m[i, p])
    return path
