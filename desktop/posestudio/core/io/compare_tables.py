"""CSV files of a comparison: the cycle table (`clip,person,angle,cycle_pct,mean,sd,n`, one row per angle and
percent of the cycle) and two clips' numbers on one clock (`time_s`, `b_time_s`, then `a_NAME`, `b_NAME`).
Empty cells are values that are not known. Written atomically. Not in formats.py's registry, which holds the
formats one analysis can be written in: these are always CSV, built from two clips' numbers."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.kinematics.cycles import CYCLE_COLUMNS


def _cell(value, digits: int) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return value
    return f"{float(value):.{digits}f}" if math.isfinite(float(value)) else ""


def write_cycle_table(rows: Sequence[Sequence], path) -> Path:
    """Rows from kinematics.cycles.cycle_rows (one or several clips and people) under CYCLE_COLUMNS."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(CYCLE_COLUMNS)
            for row in rows:
                writer.writerow([_cell(v, 3) for v in row])
    return path


def write_aligned(columns: Mapping[str, np.ndarray], path) -> Path:
    """Columns from kinematics.sync.aligned_columns: one row per moment on A's clock."""
    path = Path(path)
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(names)
            for i in range(n):
                writer.writerow([_cell(float(columns[c][i]), 6 if c.endswith("time_s") else 3) for c in names])
    return path


__all__ = ["write_aligned", "write_cycle_table"]
