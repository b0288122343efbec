"""The export jobs a TaskThread runs (posestudio.app.workers): job(progress, cancel) writes one file."""

from __future__ import annotations

from pathlib import Path

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE


def video_job(video_path: str, out_path: str, result, options):
    """A job for a TaskThread that writes the annotated clip (posestudio.core.export.video_export)."""
    from posestudio.core.export.video_export import export_video

    def job(progress, cancel):
        return export_video(video_path, out_path, result, options, progress=progress, cancel=cancel)

    return job


def data_job(result, out_path: str, long: bool = False, smooth: bool = True, min_score: float = DEFAULT_MIN_SCORE,
             person_id: int | None = None, custom=()):
    """A job for a TaskThread that writes CSV / JSON / TRC (posestudio.core.io.formats); a TRC holds
    one person's markers: `person_id` (the one the window follows), else the one seen longest; `custom`: the
    user's AngleDefs, exported beside the built-in angles."""
    from posestudio.core.io.formats import export_data

    def job(progress, cancel):
        trc = {"person_id": person_id} if Path(out_path).suffix.lower() == ".trc" else {}
        path = export_data(result, out_path, long=long, smooth=smooth, min_score=min_score, custom=custom, **trc)
        progress(1, 1)
        return path

    return job
