"""The summary table (`posestudio analyze --summary`): per person and angle, the range of motion and the
repetitions over the whole clip, and a `gait` row with the steps and the cadence when both knees are there."""

from __future__ import annotations

import csv
from pathlib import Path

from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.atomic import atomic_path
from posestudio.core.io.csv_format import csv_cell


# angles in degrees, times in seconds (t_min_s: when the minimum is reached); doubt: why the repetitions (or,
# in the row `gait`, the steps) are not credible, as the window's summary says it (empty when they are)
SUMMARY_COLUMNS = ("video", "model", "person", "angle", "samples", "min", "max", "range", "mean", "std",
                   "t_min_s", "t_max_s", "reps", "period_s", "cycles_per_min", "doubt")
_KEYS = {"t_min_s": "t_min", "t_max_s": "t_max"}


def summary_rows(result: AnalysisResult, tables: dict) -> list[list[str]]:
    """One row per person and angle: range of motion and repetitions over the whole clip, from the tables
    angle_columns() returned (so with its score threshold and smoothing); then, when both knees are there, a
    row `gait` with the steps and the cadence (see _gait_row)."""
    rows = []
    for pid, table in tables.items():
        for angle, values in table.summary().items():
            cells = [result.video_path, result.model_id, str(pid), angle]
            for column in SUMMARY_COLUMNS[4:-1]:
                value = values.get(_KEYS.get(column, column), float("nan"))
                cells.append(str(int(value)) if column in ("samples", "reps") else csv_cell(float(value), 3))
            cells.append(values.get("reps_doubt") or "")
            rows.append(cells)
        if "left_knee" in table and "right_knee" in table:
            rows.append(_gait_row(result, pid, table.gait()))
    return rows


def _gait_row(result: AnalysisResult, pid, gait: dict) -> list[str]:
    """The row `gait`: reps = steps (0 when the knee bends keep no walking or running rhythm), period_s =
    time per step, cycles_per_min = cadence in steps per minute; the angle columns stay empty."""
    cadence = float(gait.get("cadence_spm", float("nan")))
    cells = [result.video_path, result.model_id, str(pid), "gait"] + [""] * (len(SUMMARY_COLUMNS) - 4)
    cells[SUMMARY_COLUMNS.index("reps")] = str(int(gait.get("steps", 0)))
    cells[SUMMARY_COLUMNS.index("period_s")] = csv_cell(60.0 / cadence if cadence > 0 else float("nan"), 3)
    cells[SUMMARY_COLUMNS.index("cycles_per_min")] = csv_cell(cadence, 3)
    cells[SUMMARY_COLUMNS.index("doubt")] = gait.get("doubt") or ""
    return cells


def write_summary(rows: list[list[str]], path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(SUMMARY_COLUMNS)
            writer.writerows(rows)
    return path
