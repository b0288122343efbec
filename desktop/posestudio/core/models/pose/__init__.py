"""Pose estimators behind one interface; `create_estimator(model_id)` picks the implementation."""

from __future__ import annotations

from posestudio.core.errors import PoseStudioError
from posestudio.core.models.pose.base import Person, PoseEstimator
from posestudio.core.models.registry import BLAZEPOSE_IDS, MODEL_IDS

__all__ = ["Person", "PoseEstimator", "create_estimator", "one_thread_twins"]


MULTIPOSE_MAX = 6  # MoveNet MultiPose's fixed number of output slots


def create_estimator(model_id: str, threads: int | None = None, people: int | None = None) -> PoseEstimator:
    """A fresh estimator for one of registry.MODEL_IDS (raises ModelMissingError if its file is not built).

    people: the most people to follow. None is the model's own (1, MultiPose 6); BlazePose with more than 1
    follows each person with their own region (blazepose_multi); MoveNet Lightning/Thunder follow one only.
    """
    estimator = _create(model_id, threads, people)
    estimator.threads = threads  # None: the physical cores (registry.create_session)
    estimator.made_as = (model_id, people)  # what one_thread_twins needs to make more of the same
    return estimator


# Settings a caller may change on an estimator after creating it; twins take them over.
_SETTINGS = ("redetect_when_lost", "min_pose_score", "track", "long_side", "_scan_every", "min_person_px",
             "max_people")


def one_thread_twins(estimator: PoseEstimator, count: int = 2) -> list[PoseEstimator] | None:
    """`count` estimators like `estimator` (same model, people, settings), each with one onnxruntime thread:
    on two cores, two one-thread sessions side by side do more frames/s than one two-thread session (the
    analysis' segments, core.analysis.segments). Made once and kept on `estimator`. None for an estimator
    create_estimator did not make (a test's stand-in, a wrapper): nothing says how to make its like."""
    made_as = getattr(estimator, "made_as", None)
    if made_as is None:
        return None
    twins = getattr(estimator, "_twins", None)
    if twins is None or len(twins) != count:
        twins = [_create(made_as[0], 1, made_as[1]) for _ in range(count)]
        estimator._twins = twins
    for twin in twins:
        for name in _SETTINGS:
            if name in vars(estimator) or hasattr(type(estimator), name):
                setattr(twin, name, getattr(estimator, name))
        twin.threads = 1
    return twins


def _create(model_id: str, threads: int | None, people: int | None) -> PoseEstimator:
    if people is not None and people < 1:
        raise PoseStudioError("The number of people must be at least 1.")
    if people is not None and people > 1 and model_id in ("movenet-lightning", "movenet-thunder"):
        raise PoseStudioError(f"{model_id} follows one person; for several people choose blazepose-full "
                              f"(33 keypoints each) or movenet-multipose.")
    if model_id in ("movenet-lightning", "movenet-thunder"):
        from posestudio.core.models.pose.movenet import MoveNetSingle

        return MoveNetSingle(model_id, threads=threads)
    if model_id == "movenet-multipose":
        from posestudio.core.models.pose.movenet import MoveNetMultiPose

        estimator = MoveNetMultiPose(model_id, threads=threads)
        if people is not None:
            estimator.max_people = min(people, MULTIPOSE_MAX)
        return estimator
    if model_id in BLAZEPOSE_IDS and people is not None and people > 1:
        from posestudio.core.models.pose.blazepose_multi import BlazePoseMulti

        return BlazePoseMulti(model_id, max_people=people, threads=threads)
    if model_id in BLAZEPOSE_IDS:
        from posestudio.core.models.pose import blazepose  # lazy: its own helper module, heavier set-up

        return blazepose.BlazePose(model_id, threads=threads)
    raise PoseStudioError(f"Unknown pose model '{model_id}'; choose one of: {', '.join(MODEL_IDS)}.")
