"""TRC (OpenSim marker file, tab separated): one tracked person (the one present in most frames unless chosen),
markers named as the keypoints, X right and Y UP (y flipped: Y = image height - y) so OpenSim sees the
person upright, Z = 0 (a single camera has no depth). Units are pixels ("px") unless a scale in metres per
pixel is given ("m"). Keypoints below the confidence threshold are NaN, which OpenSim treats as missing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posestudio.core.analysis.person_angles import main_person
from posestudio.core.atomic import atomic_path
from posestudio.core.errors import DataExportError
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE


def write_trc(result, path, *, person_id: int | None = None, metres_per_pixel: float | None = None,
              min_score: float = DEFAULT_MIN_SCORE) -> Path:
    path = Path(path)
    pid = main_person(result) if person_id is None else person_id
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
    header = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate:.6g}\t{rate:.6g}\t{f}\t{k}\t{units}\t{rate:.6g}\t1\t{f}",
        "\t".join(["Frame#", "Time"] + [f"{n}\t\t" for n in names]).rstrip("\t"),
        "\t".join(["", ""] + [f"X{m}\tY{m}\tZ{m}" for m in range(1, k + 1)]),
        "",
    ]

    def num(v: float) -> str:
        return f"{v:.{digits}f}" if math.isfinite(v) else "NaN"

    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in header))
            for i in range(f):  # a row at a time: a long clip's text is never all in memory
                cells = [str(i + 1), f"{float(result.timestamps[i]):.6f}"]
                cells += [num(v) for v in xyz[i].ravel().tolist()]
                fh.write("\t".join(cells) + "\n")
    return path
