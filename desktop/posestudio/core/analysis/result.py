"""The result of analysing a video, its versioned .npz file, and the JSON / CSV writers users get."""

from __future__ import annotations

import csv
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.errors import PoseStudioError
from posestudio.core.analysis.person_angles import DEFAULT_MIN_SCORE
from posestudio.core.kinematics.filtering import DEFAULT_CUTOFF_HZ

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_ARRAYS = ("keypoints", "person_scores", "person_ids", "world", "timestamps", "analysed", "left_out")
_META = ("model_id", "keypoint_names", "keypoint_set", "video_path", "fingerprint", "width", "height", "fps",
         "frame_count", "note")


class ResultFileError(PoseStudioError):
    """A saved analysis cannot be read."""


@dataclass
class AnalysisResult:
    keypoints: np.ndarray        # (F, P, K, 3) float32 x, y, score; NaN where absent
    person_scores: np.ndarray    # (F, P) float32, NaN where absent
    person_ids: np.ndarray       # (F, P) int32 stable track id, -1 where absent
    world: np.ndarray | None     # (F, P, K, 3) metres, BlazePose only
    timestamps: np.ndarray       # (F,) seconds from the first frame
    analysed: np.ndarray         # (F,) bool: frames done so far
    model_id: str
    keypoint_names: tuple[str, ...]
    keypoint_set: str
    video_path: str
    fingerprint: str
    width: int
    height: int
    fps: float
    frame_count: int
    note: str | None = None
    format_version: int = field(default=FORMAT_VERSION)
    # (F, P, K) bool: points the user left out (core.left_out); None when nothing ever was
    left_out: np.ndarray | None = None

    @classmethod
    def empty(cls, frame_count: int, max_people: int, keypoint_names, *, with_world: bool = False,
              **meta) -> "AnalysisResult":
        f, p, k = frame_count, max_people, len(keypoint_names)
        return cls(
            keypoints=np.full((f, p, k, 3), np.nan, dtype=np.float32),
            person_scores=np.full((f, p), np.nan, dtype=np.float32),
            person_ids=np.full((f, p), -1, dtype=np.int32),
            world=np.full((f, p, k, 3), np.nan, dtype=np.float32) if with_world else None,
            timestamps=np.full(f, np.nan, dtype=np.float64),
            analysed=np.zeros(f, dtype=bool),
            keypoint_names=tuple(keypoint_names),
            frame_count=f,
            **meta,
        )

    @property
    def max_people(self) -> int:
        return self.keypoints.shape[1]

    @property
    def complete(self) -> bool:
        return bool(self.analysed.all())

    def people_in_frame(self, i: int) -> list[int]:
        """Slots of frame i that hold a person."""
        return [p for p in range(self.max_people) if self.person_ids[i, p] >= 0]

    def track(self, person_id: int, in_picture: bool = True) -> np.ndarray:
        """(F, K, 3) keypoints of one tracked person over the clip, NaN where they are absent.

        in_picture: points the model placed outside the picture (BlazePose guesses out-of-view body parts,
        often with a high score) get score 0, so angles, markers and everything built on this treat them as
        missing; False gives the model's scores unchanged.
        """
        out = np.full(self.keypoints.shape[:1] + self.keypoints.shape[2:], np.nan, dtype=np.float32)
        f, p = np.nonzero(self.person_ids == person_id)
        out[f] = self.keypoints[f, p]
        if in_picture and self.width and self.height:
            from posestudio.core.kinematics.angles import outside_picture_missing

            out = outside_picture_missing(out, (self.width, self.height))
        return out

    def left_out_of(self, person_id: int) -> np.ndarray | None:
        """(F, K) bool: the person's points the user left out (sides as the angle curves show them), or None."""
        if self.left_out is None:
            return None
        out = np.zeros((self.frame_count, len(self.keypoint_names)), dtype=bool)
        f, p = np.nonzero(self.person_ids == person_id)
        out[f] = self.left_out[f, p]
        return out if out.any() else None

    def person_ids_present(self) -> list[int]:
        ids = np.unique(self.person_ids)
        return [int(i) for i in ids if i >= 0]

    def truncate(self, frame_count: int) -> None:
        """Keep the first frames only (the decoder delivered fewer than announced)."""
        for name in _ARRAYS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value[:frame_count])
        self.frame_count = frame_count

    # ----- the versioned file -----
    def save(self, path) -> Path:
        """Write one .npz (arrays + JSON metadata with format_version), atomically."""
        path = Path(path)
        meta = {name: getattr(self, name) for name in _META}
        meta["keypoint_names"] = list(self.keypoint_names)
        meta["format_version"] = FORMAT_VERSION
        arrays = {name: getattr(self, name) for name in _ARRAYS if getattr(self, name) is not None}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, meta=np.array(json.dumps(meta)), **arrays)
        return path

    @classmethod
    def load(cls, path) -> "AnalysisResult":
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {name: (data[name] if name in data.files else None) for name in _ARRAYS}
        except FileNotFoundError:
            raise ResultFileError(f"The analysis file {path} does not exist; analyse the video again.") from None
        except Exception as exc:
            log.exception("cannot read %s", path)
            raise ResultFileError(f"The analysis file {path} cannot be read; analyse the video again.") from exc
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise ResultFileError(f"The analysis file {path} has format version {version}, this Pose Studio reads "
                                  f"version {FORMAT_VERSION}; analyse the video again.")
        meta["keypoint_names"] = tuple(meta["keypoint_names"])
        return cls(**arrays, **{k: meta[k] for k in _META})


# ----- writers shared by the CLI and the export -----

def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def to_json_dict(result: AnalysisResult, extra: Mapping[str, np.ndarray] | None = None,
                 angle_settings: Mapping | None = None) -> dict:
    """The issue's JSON layout; `extra` (name -> (F, P)) adds an "angles" object to each person, and
    `angle_settings` (how those angles were computed) a top-level "angle_settings" object."""
    frames = []
    for i in range(result.frame_count):
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
            people.append(person)
        frames.append({"index": i, "time": _num(result.timestamps[i], 6), "people": people})
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
        from posestudio.core.analysis.left_out import left_out_ranges

        # what the user saw was wrong and left out of the angles (the keypoints above are the model's)
        out["left_out"] = [{"person": pid, "first_frame": a, "last_frame": b, "parts": list(parts)}
                           for pid in result.person_ids_present() for a, b, parts in left_out_ranges(result, pid)]
    out["frames"] = frames
    return out


def write_json(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None,
               angle_settings: Mapping | None = None) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(to_json_dict(result, extra, angle_settings), fh, separators=(",", ":"), allow_nan=False)
    return path


def csv_header(keypoint_names, extra: Mapping[str, np.ndarray] | None = None) -> list[str]:
    cols = ["frame", "time", "person"]
    for name in keypoint_names:
        cols += [f"{name}_x", f"{name}_y", f"{name}_score"]
    return cols + list(extra or {})


def csv_cell(value: float, digits: int) -> str:
    """A number as CSV text with `digits` decimals; an empty cell when it is not known (NaN)."""
    return f"{value:.{digits}f}" if math.isfinite(value) else ""


def write_csv(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None) -> Path:
    """One row per frame and person (by track id); a frame with nobody still gets a row with empty cells.

    `extra` adds columns: name -> (F, P) array aligned with the result's slots (e.g. joint angles).
    """
    path = Path(path)
    k = len(result.keypoint_names)
    extra = dict(extra or {})
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(csv_header(result.keypoint_names, extra))
            for i in range(result.frame_count):
                head = [str(i), csv_cell(result.timestamps[i], 6)]
                slots = result.people_in_frame(i)
                if not slots:
                    writer.writerow(head + [""] * (1 + 3 * k + len(extra)))
                    continue
                for p in sorted(slots, key=lambda s: result.person_ids[i, s]):
                    row = head + [str(int(result.person_ids[i, p]))]
                    for x, y, s in result.keypoints[i, p].tolist():
                        row += [csv_cell(x, 2), csv_cell(y, 2), csv_cell(s, 4)]
                    row += [csv_cell(float(values[i, p]), 3) for values in extra.values()]
                    writer.writerow(row)
    return path


FORMATS = (".json", ".csv", ".npz")


def write_result(result: AnalysisResult, path, extra: Mapping[str, np.ndarray] | None = None,
                 angle_settings: Mapping | None = None) -> Path:
    """Write in the format the extension names (.json, .csv, .npz); `extra` columns go to JSON and CSV,
    `angle_settings` (see angle_settings()) to JSON only (a CSV has nowhere to keep it)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return write_json(result, path, extra, angle_settings)
    if suffix == ".csv":
        return write_csv(result, path, extra)
    if suffix == ".npz":
        return result.save(path)
    raise PoseStudioError(f"Cannot write '{suffix or Path(path).name}' files; name the output .json, .csv or .npz.")


# ----- joint angles per person, aligned with the result's slots (for --angles and --summary) -----

def angle_settings(min_score: float = DEFAULT_MIN_SCORE, smoothing: bool = True,
                   cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> dict:
    """How angle_columns computed the angles, for the files that record it. The cutoff is None when
    smoothing is off (no low-pass was applied)."""
    return {"min_score": float(min_score), "smoothing": bool(smoothing),
            "cutoff_hz": float(cutoff_hz) if smoothing else None}


def angle_columns(result: AnalysisResult, angles=None, *, min_score: float = DEFAULT_MIN_SCORE,
                  smoothing: bool = True, cutoff_hz: float = DEFAULT_CUTOFF_HZ,
                  ) -> tuple[dict[str, np.ndarray], dict[int, object]]:
    """(name -> (F, P) degrees or deg/s, person id -> AngleTable) for every tracked person.

    angles: AngleDefs or built-in names to compute (None: every angle the keypoint set allows).
    min_score, smoothing, cutoff_hz: as the window's confidence threshold and smoothing (defaults are the
    window's); smoothing off gives the raw angles (no outlier rejection, gap filling or low-pass).

    Columns are each angle (smoothed unless asked not to) and `<angle>_velocity`, as the kinematics'
    angle_table gives them. The tables carry the same settings, so summary_rows() of them agrees.
    """
    from posestudio.core.kinematics import angle_table

    columns: dict[str, np.ndarray] = {}
    tables = {}
    shape = result.person_ids.shape
    for pid in result.person_ids_present():
        table = angle_table(result.track(pid), result.timestamps, result.keypoint_names, angles=angles,
                            min_score=min_score, smoothing=smoothing, cutoff_hz=cutoff_hz,
                            left_out=result.left_out_of(pid))
        tables[pid] = table
        frames, slots = np.nonzero(result.person_ids == pid)
        for name, values in table.columns(raw=False, velocity=True).items():
            column = columns.setdefault(name, np.full(shape, np.nan, dtype=np.float64))
            column[frames, slots] = values[frames]
    return columns, tables


SUMMARY_COLUMNS = ("video", "model", "person", "angle", "samples", "min", "max", "range", "mean", "std",
                   "t_min", "t_max", "reps", "period_s", "cycles_per_min")


def summary_rows(result: AnalysisResult, tables: dict) -> list[list[str]]:
    """One row per person and angle: range of motion and repetitions over the whole clip, from the tables
    angle_columns() returned (so with its score threshold and smoothing); then, when both knees are there, a
    row `gait` with the steps and the cadence (see _gait_row)."""
    rows = []
    for pid, table in tables.items():
        for angle, values in table.summary().items():
            cells = [result.video_path, result.model_id, str(pid), angle]
            for key in SUMMARY_COLUMNS[4:]:
                value = values.get(key, float("nan"))
                cells.append(str(int(value)) if key in ("samples", "reps") else csv_cell(float(value), 3))
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
    return cells


def write_summary(rows: list[list[str]], path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(SUMMARY_COLUMNS)
            writer.writerows(rows)
    return path
