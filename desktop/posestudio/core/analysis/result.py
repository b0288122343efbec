"""The result of analysing a video: keypoints, person ids and timestamps per frame, and the video they came from.

Its file is analysis.result_file, its cache analysis.cache, the files users get core.io.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the per-frame arrays (first axis = frame); the rest of the fields describe the video and the model
ARRAY_FIELDS = ("keypoints", "person_scores", "person_ids", "world", "timestamps", "analysed", "left_out",
                "model_keypoints", "manual")
META_FIELDS = ("model_id", "keypoint_names", "keypoint_set", "video_path", "fingerprint", "width", "height", "fps",
               "frame_count", "note")


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
    # (F, P, K) bool: points the user left out (core.left_out); None when nothing ever was
    left_out: np.ndarray | None = None
    # hand corrections (core.analysis.corrections): the keys, the model's own keypoints (`keypoints` then
    # carries the corrections) and (F, P, K) int8 flags of what the user's hand made; None when none
    corrections: object = None
    model_keypoints: np.ndarray | None = None
    manual: np.ndarray | None = None

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

    def put_person(self, index: int, slot: int, person, person_id: int) -> None:
        """Store one detected person (a pose Person) at a frame's slot, with its 3D points when both have them."""
        self.keypoints[index, slot] = person.keypoints
        self.person_scores[index, slot] = person.score
        self.person_ids[index, slot] = person_id
        if self.world is not None and person.world is not None:
            self.world[index, slot] = person.world

    def clear_frame(self, index: int) -> None:
        """No person at frame `index` (its keypoints about to be replaced), nor marks left on their points."""
        self.keypoints[index] = np.nan
        self.person_scores[index] = np.nan
        self.person_ids[index] = -1
        if self.world is not None:
            self.world[index] = np.nan
        if self.left_out is not None:
            self.left_out[index] = False

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
        for name in ARRAY_FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value[:frame_count])
        self.frame_count = frame_count
