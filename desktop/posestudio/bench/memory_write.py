"""One writing step of bench.memory, in its own process: a synthetic analysis of FRAMES frames (33 keypoints,
one person moving smoothly, 30 fps) written as FORMAT, with angles and the summary where the command adds them.

    python -m posestudio.bench.memory_write FRAMES FORMAT FOLDER

FORMAT: json / csv / npz as `posestudio analyze --angles --summary` writes them; long.csv, trc, data.json as
`posestudio export --data` writes them. Prints one line: the peak before writing and the peak after.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import numpy as np


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_result(frames: int):
    """A plausible one-person analysis: a standing figure whose joints swing (angles change every frame), a
    few absent stretches."""
    from posestudio.core.analysis.result import AnalysisResult
    from posestudio.core.models.skeleton import keypoint_set

    kset = keypoint_set("blazepose33")
    k = len(kset.names)
    rng = np.random.default_rng(0)
    result = AnalysisResult.empty(frames, 1, kset.names, with_world=True, model_id="blazepose-full",
                                  keypoint_set=kset.name, video_path="synthetic.mp4", fingerprint="synthetic",
                                  width=1280, height=720, fps=30.0)
    t = np.arange(frames) / 30.0
    base = np.column_stack([rng.uniform(500, 780, k), rng.uniform(100, 650, k)]).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, k).astype(np.float32)
    swing = (40 * np.sin(2 * np.pi * 0.4 * t[:, None] + phase[None, :])).astype(np.float32)
    result.keypoints[:, 0, :, 0] = base[None, :, 0] + swing
    result.keypoints[:, 0, :, 1] = base[None, :, 1] + 0.5 * swing
    result.keypoints[:, 0, :, 2] = rng.uniform(0.5, 1.0, (frames, k)).astype(np.float32)
    result.world[:, 0] = result.keypoints[:, 0] / 1000.0
    result.person_scores[:, 0] = 0.9
    result.person_ids[:, 0] = 0
    result.timestamps[:] = t
    result.analysed[:] = True
    for start in range(1000, frames, 9000):  # the person leaves the picture now and then
        result.keypoints[start:start + 30] = np.nan
        result.person_scores[start:start + 30] = np.nan
        result.person_ids[start:start + 30] = -1
        result.world[start:start + 30] = np.nan
    return result


def write(result, fmt: str, folder: Path) -> Path:
    from posestudio.core.analysis.person_angles import angle_columns, angle_settings
    from posestudio.core.io import formats
    from posestudio.core.io.summary_table import summary_rows, write_summary

    if fmt in ("json", "csv", "npz"):  # as `posestudio analyze --angles --summary`
        extra, tables = angle_columns(result)
        out = formats.write_result(result, folder / f"synthetic.{fmt}", extra, angle_settings())
        write_summary(summary_rows(result, tables), folder / "summary.csv")
        return out
    name = {"long.csv": "synthetic_long.csv", "trc": "synthetic.trc", "data.json": "synthetic_data.json"}[fmt]
    return formats.export_data(result, folder / name, long=fmt == "long.csv")


def main(argv=None) -> int:
    frames, fmt, folder = (argv or sys.argv[1:])[:3]
    result = synthetic_result(int(frames))
    before = _peak_mb()
    out = write(result, fmt, Path(folder))
    print(f"peak before writing {before:.0f} MB, after {_peak_mb():.0f} MB, file {out.stat().st_size / 1e6:.0f} MB",
          file=sys.stderr)
    out.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
