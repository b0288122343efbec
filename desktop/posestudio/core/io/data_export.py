"""The numbers in files people use: wide CSV, long (tidy) CSV, JSON (as `posestudio analyze` writes) and TRC.

Wide CSV: the analyze CSV (`frame, time, person, <kp>_x, <kp>_y, <kp>_score` for every keypoint, one row per
frame, or per frame and person when several are tracked; a frame with nobody keeps a row with empty cells)
plus, for every angle this model allows (kinematics.available_angles order), `<angle>` in degrees (smoothed
as the window shows it by default, or raw with smooth=False), `<angle>_raw` (degrees straight from the
keypoints) and `<angle>_velocity` (deg/s of `<angle>`); the names of kinematics.AngleTable.columns().
Long CSV: `frame, time, person, variable, value`, one row per frame, person and variable (the wide column
names as variables); frames without anybody have no rows.
Angles come from kinematics.angle_table, the window's own computation. Pixels are upright-image pixels, origin top-left, y down; times are seconds from the first
frame; empty cells are values that are not known (person absent, keypoint below the confidence threshold).

TRC (OpenSim marker file, tab separated): one tracked person (the one present in most frames unless chosen),
markers named as the keypoints, X right and Y UP (y flipped: Y = image height - y) so OpenSim sees the
person upright, Z = 0 (a single camera has no depth). Units are pixels ("px") unless a scale in metres per
pixel is given ("m"). Keypoints below the confidence threshold are NaN, which OpenSim treats as missing.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.errors import PoseStudioError
from posestudio.core.analysis import person_angles as tracks
from posestudio.core.analysis.result import csv_cell, write_csv, write_json

FORMATS = (".csv", ".json", ".trc")


class DataExportError(PoseStudioError):
    """The numbers cannot be written in the asked format."""


def angle_columns(result, tracks_: list[tracks.PersonAngles]) -> dict[str, np.ndarray]:
    """Wide-CSV extra columns, named as kinematics.AngleTable.columns: NAME, NAME_raw, NAME_velocity.

    Each is (F, P) aligned with the result's slots.
    """
    names = list(tracks_[0].angles) if tracks_ else [a.name for a in tracks.available_angles(result.keypoint_names)]
    cols: dict[str, np.ndarray] = {}
    for name in names:
        cols[name] = tracks.to_slots(result, tracks_, name)
        cols[f"{name}_raw"] = tracks.to_slots(result, tracks_, name, "raw")
        cols[f"{name}_velocity"] = tracks.to_slots(result, tracks_, name, "velocities")
    return cols


def write_wide_csv(result, path, *, smooth: bool = True, min_score: float = tracks.DEFAULT_MIN_SCORE) -> Path:
    people = tracks.all_person_angles(result, smooth=smooth, min_score=min_score)
    return write_csv(result, path, extra=angle_columns(result, people))


def write_long_csv(result, path, *, smooth: bool = True, min_score: float = tracks.DEFAULT_MIN_SCORE) -> Path:
    path = Path(path)
    people = tracks.all_person_angles(result, smooth=smooth, min_score=min_score)
    extra = angle_columns(result, people)
    kp_vars = [(f"{n}_{c}", k, j, 4 if c == "score" else 2)
               for k, n in enumerate(result.keypoint_names) for j, c in enumerate(("x", "y", "score"))]
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["frame", "time", "person", "variable", "value"])
            for i in range(result.frame_count):
                t = csv_cell(float(result.timestamps[i]), 6)
                for p in sorted(result.people_in_frame(i), key=lambda s: result.person_ids[i, s]):
                    head = [str(i), t, str(int(result.person_ids[i, p]))]
                    kps = result.keypoints[i, p]
                    w.writerows(head + [var, csv_cell(float(kps[k, j]), d)] for var, k, j, d in kp_vars)
                    w.writerows(head + [var, csv_cell(float(values[i, p]), 3)] for var, values in extra.items())
    return path


def write_trc(result, path, *, person_id: int | None = None, metres_per_pixel: float | None = None,
              min_score: float = tracks.DEFAULT_MIN_SCORE) -> Path:
    path = Path(path)
    pid = tracks.main_person(result) if person_id is None else person_id
    if pid is None:
        raise DataExportError("Nobody was found in this video, so there are no markers to write; "
                              "try another model or video.")
    if person_id is not None and person_id not in result.person_ids_present():
        raise DataExportError(f"There is no person {person_id} in this analysis; choose one of "
                              f"{', '.join(map(str, result.person_ids_present()))}.")
    track = result.track(pid).astype(np.float64)  # (F, K, 3)
    with np.errstate(invalid="ignore"):
        hidden = ~(track[..., 2] >= min_score)
    scale = 1.0 if metres_per_pixel is None else float(metres_per_pixel)
    xyz = np.zeros(track.shape[:2] + (3,))
    xyz[..., 0] = track[..., 0] * scale
    xyz[..., 1] = (result.height - track[..., 1]) * scale
    xyz[hidden] = np.nan
    names = list(result.keypoint_names)
    f, k = xyz.shape[:2]
    rate = float(result.fps) if result.fps else (1.0 / float(np.median(np.diff(result.timestamps))) if f > 1 else 30.0)
    units = "px" if metres_per_pixel is None else "m"
    digits = 2 if metres_per_pixel is None else 5
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate:.6g}\t{rate:.6g}\t{f}\t{k}\t{units}\t{rate:.6g}\t1\t{f}",
        "\t".join(["Frame#", "Time"] + [f"{n}\t\t" for n in names]).rstrip("\t"),
        "\t".join(["", ""] + [f"X{m}\tY{m}\tZ{m}" for m in range(1, k + 1)]),
        "",
    ]

    def num(v: float) -> str:
        return f"{v:.{digits}f}" if math.isfinite(v) else "NaN"

    for i in range(f):
        cells = [str(i + 1), f"{float(result.timestamps[i]):.6f}"]
        cells += [num(v) for v in xyz[i].ravel().tolist()]
        lines.append("\t".join(cells))
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_data(result, path, *, long: bool = False, smooth: bool = True,
                min_score: float = tracks.DEFAULT_MIN_SCORE, **trc_options) -> Path:
    """Write the numbers in the format the extension names (.csv wide or --long, .json, .trc).

    min_score: the confidence below which keypoints do not count (the window's threshold setting).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return (write_long_csv if long else write_wide_csv)(result, path, smooth=smooth, min_score=min_score)
    if long:
        raise DataExportError("The long (tidy) layout is for CSV files; name the output .csv or drop --long.")
    if suffix == ".json":
        return write_json(result, path)
    if suffix == ".trc":
        return write_trc(result, path, min_score=min_score, **trc_options)
    raise DataExportError(f"Cannot write '{suffix or path.name}' data files; name the output .csv, .json or .trc.")
