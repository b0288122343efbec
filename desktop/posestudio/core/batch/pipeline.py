"""One video through the same steps as `posestudio analyze` (and `export` for the clip).

The only module of the batch that imports the analysis, writers and export: when core moves a function,
this is the file to change.
"""

from __future__ import annotations

from pathlib import Path

from posestudio.core.atomic import atomic_path
from posestudio.core.batch.one_core import take_turns
from posestudio.core.analysis.cache import ANALYSIS_REVISION
from posestudio.core.analysis.person_angles import angle_columns, angle_settings
from posestudio.core.io.formats import write_result
from posestudio.core.io.summary_table import summary_rows, write_summary
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
from posestudio.core.analysis.run import analyse_video
from posestudio.core.export.video_export import VideoExportOptions, export_video
from posestudio.core.kinematics.filtering import DEFAULT_CUTOFF_HZ
from posestudio.core.models.pose import create_estimator
from posestudio.core.models.registry import file_sha256, model_path
from posestudio.core.render import OverlayOptions
from posestudio.core.video.source import VideoSource, fingerprint

__all__ = ["ANALYSIS_REVISION", "DEFAULT_CUTOFF_HZ", "DEFAULT_MIN_SCORE", "analyse_one", "create_estimator",
           "fingerprint", "model_sha256", "write_summary"]


def model_sha256(model_id: str) -> str:
    """The built model file's checksum (raises ModelMissingError when it is not built)."""
    return file_sha256(model_path(model_id))


def analyse_one(video: Path, out_dir: Path, name: str, settings, estimator) -> dict:
    """Analyse `video`, write `<name>.<format>` (and `<name>.mp4`) atomically into out_dir.

    Returns frames, fingerprint, outputs (file names), summary rows (as `analyze --summary`) and notes.
    Raises PoseStudioError with the sentence for the user when the video cannot be analysed.
    """
    options = {"min_score": settings.min_score, "smoothing": settings.smoothing, "cutoff_hz": settings.cutoff_hz}
    data = out_dir / f"{name}.{settings.data_format}"
    clip = out_dir / f"{name}.mp4"
    with VideoSource(video) as source:
        reading, model = take_turns(source, estimator) if settings.threads == 1 else (source, estimator)
        result = analyse_video(reading, settings.model, estimator=model)
        columns, tables = angle_columns(result, settings.angle_defs, **options)
        rows = summary_rows(result, tables)  # before the outputs appear: the record follows them at once
        # The data file takes its name only after the clip is complete: an interrupted video leaves
        # neither, so every file in OUTDIR belongs to a finished video.
        with atomic_path(data) as data_tmp:
            write_result(result, data_tmp, columns if settings.angles else None,
                         angle_settings(**options) if settings.angles else None)
            outputs = [data.name]
            if settings.video:
                overlay = OverlayOptions(angles=settings.angles, min_score=settings.min_score)
                export_video(source, clip, result, VideoExportOptions(overlay=overlay, smooth=settings.smoothing))
                outputs.append(clip.name)
    return {"frames": int(result.frame_count), "fingerprint": result.fingerprint, "outputs": outputs,
            "summary": rows, "notes": [n for n in (result.note,) if n]}
