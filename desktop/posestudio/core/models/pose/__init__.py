"""Pose estimators behind one interface; `create_estimator(model_id)` picks the implementation."""

from __future__ import annotations

from posestudio.core.errors import PoseStudioError
from posestudio.core.models.pose.base import Person, PoseEstimator
from posestudio.core.models.registry import BLAZEPOSE_IDS, MODEL_IDS

__all__ = ["Person", "PoseEstimator", "create_estimator"]


def create_estimator(model_id: str, threads: int | None = None) -> PoseEstimator:
    """A fresh estimator for one of registry.MODEL_IDS (raises ModelMissingError if its file is not built)."""
    if model_id in ("movenet-lightning", "movenet-thunder"):
        from posestudio.core.models.pose.movenet import MoveNetSingle

        return MoveNetSingle(model_id, threads=threads)
    if model_id == "movenet-multipose":
        from posestudio.core.models.pose.movenet import MoveNetMultiPose

        return MoveNetMultiPose(model_id, threads=threads)
    if model_id in BLAZEPOSE_IDS:
        from posestudio.core.models.pose import blazepose  # lazy: its own helper module, heavier set-up

        return blazepose.BlazePose(model_id, threads=threads)
    raise PoseStudioError(f"Unknown pose model '{model_id}'; choose one of: {', '.join(MODEL_IDS)}.")
