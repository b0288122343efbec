"""The one list of the files Pose Studio writes: suffix, label, writer. The command line's choices, its error
messages and the window's save dialog all come from here.

Two uses: ANALYSIS (`posestudio analyze`: the keypoints, with --angles columns) and DATA (the export of the
numbers, from `posestudio export --data` and the window: keypoints with angle columns, or markers).
Not here: the summary (summary_table.py) and a comparison's tables (compare_tables.py) are always CSV and
are built from rows of several people or clips rather than one analysis, so there is no format to choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from posestudio.core.analysis.result_file import save_result
from posestudio.core.errors import DataExportError
from posestudio.core.io.csv_format import write_csv, write_long_csv
from posestudio.core.io.json_format import write_json
from posestudio.core.io.trc import write_trc
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE


@dataclass(frozen=True)
class WriteOptions:
    extra: Mapping[str, np.ndarray] | None = None   # name -> (F, P) columns (angles) for JSON and CSV
    angle_settings: Mapping | None = None           # how the angles were computed (JSON only)
    min_score: float = DEFAULT_MIN_SCORE            # TRC: markers below it are missing
    person_id: int | None = None                    # TRC: whose markers (None: the main person)
    metres_per_pixel: float | None = None           # TRC: scale (None: pixels)


@dataclass(frozen=True)
class FileFormat:
    suffix: str
    label: str                                      # what a save dialog offers, without the "(*.ext)"
    write: Callable[..., Path]                      # write(result, path, WriteOptions) -> path
    long: bool = False                              # the long (tidy) CSV layout

    @property
    def dialog_filter(self) -> str:
        return f"{self.label} (*{self.suffix})"


JSON = FileFormat(".json", "JSON, as `posestudio analyze` writes",
                  lambda r, p, o: write_json(r, p, o.extra, o.angle_settings))
CSV = FileFormat(".csv", "Spreadsheet CSV, one row per frame", lambda r, p, o: write_csv(r, p, o.extra))
LONG_CSV = FileFormat(".csv", "Long (tidy) CSV: frame, time_s, person, variable, value",
                      lambda r, p, o: write_long_csv(r, p, o.extra), long=True)
NPZ = FileFormat(".npz", "Pose Studio analysis (NumPy arrays)", lambda r, p, o: save_result(r, p))
TRC = FileFormat(".trc", "OpenSim markers TRC, pixels with Y up",
                 lambda r, p, o: write_trc(r, p, person_id=o.person_id, metres_per_pixel=o.metres_per_pixel,
                                           min_score=o.min_score))

ANALYSIS = (JSON, CSV, NPZ)
DATA = (CSV, LONG_CSV, JSON, TRC)


def suffixes(formats) -> tuple[str, ...]:
    """The distinct suffixes of `formats` (ANALYSIS or DATA), in order: ('.json', '.csv', '.npz')."""
    return tuple(dict.fromkeys(f.suffix for f in formats))


def named(formats, dots: bool = True) -> str:
    """'.json, .csv or .npz' (dots=False: 'json, csv or npz'), for messages."""
    names = suffixes(formats) if dots else tuple(s[1:] for s in suffixes(formats))
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def dialog_filters(formats=DATA) -> dict[str, FileFormat]:
    """Save-dialog filter text -> format, e.g. 'OpenSim markers TRC, pixels with Y up (*.trc)' -> TRC."""
    return {f.dialog_filter: f for f in formats}


def format_for(path, formats, *, long: bool = False, what: str = "files") -> FileFormat:
    """The format among `formats` that the path's extension (and the long layout) names; one sentence if none."""
    path = Path(path)
    suffix = path.suffix.lower()
    found = [f for f in formats if f.suffix == suffix]
    if not found:
        raise DataExportError(f"Cannot write '{suffix or path.name}' {what}; name the output {named(formats)}.")
    for f in found:
        if f.long == long:
            return f
    raise DataExportError("The long (tidy) layout is for CSV files; name the output .csv or drop --long.")


def write_result(result, path, extra: Mapping[str, np.ndarray] | None = None,
                 angle_settings: Mapping | None = None) -> Path:
    """`posestudio analyze`'s file, in the format the extension names (.json, .csv, .npz); `extra` columns go
    to JSON and CSV, `angle_settings` to JSON only (a CSV has nowhere to keep it)."""
    fmt = format_for(path, ANALYSIS)
    return fmt.write(result, Path(path), WriteOptions(extra=extra, angle_settings=angle_settings))


def export_data(result, path, *, long: bool = False, smooth: bool = True, min_score: float = DEFAULT_MIN_SCORE,
                custom=(), person_id: int | None = None, metres_per_pixel: float | None = None) -> Path:
    """Write the numbers in the format the extension names (.csv wide or long, .json, .trc).

    CSV files get, for every angle this model allows (the built-in ones, then `custom` AngleDefs the user
    made), `<angle>` in degrees (smoothed as the window shows it unless smooth=False), `<angle>_raw` and
    `<angle>_velocity` (deg/s), computed by kinematics.angle_table as in the window. JSON holds the keypoints.
    min_score: the confidence below which keypoints do not count (the window's threshold setting).
    """
    from posestudio.core.analysis import person_angles

    path = Path(path)
    fmt = format_for(path, DATA, long=long, what="data files")
    extra = None
    if fmt.suffix == ".csv":
        angles = person_angles.available_angles(result.keypoint_names, custom)
        people = person_angles.all_person_angles(result, angles, smooth=smooth, min_score=min_score)
        extra = person_angles.series_columns(result, people, angles)
    options = WriteOptions(extra=extra, min_score=min_score, person_id=person_id, metres_per_pixel=metres_per_pixel)
    return fmt.write(result, path, options)
