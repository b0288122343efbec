"""Body parts the user leaves out over a stretch of frames, because the video shows the model got them wrong.

Marks are kept per detection (frame, slot, keypoint), so they follow the person through id swaps and
merges. The model's keypoints stay as they were; `AnalysisResult.left_out_of` hands a person's marks to
`angle_table`, which treats those points as missing, so every angle, summary and export leaves them out,
and putting them back restores everything.
"""

from __future__ import annotations

import numpy as np

from posestudio.core.errors import PoseStudioError
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

PARTS: dict[str, tuple[str, ...]] = {
    "left arm": ("left_elbow", "left_wrist", "left_pinky", "left_index", "left_thumb"),
    "right arm": ("right_elbow", "right_wrist", "right_pinky", "right_index", "right_thumb"),
    "left leg": ("left_knee", "left_ankle", "left_heel", "left_foot_index"),
    "right leg": ("right_knee", "right_ankle", "right_heel", "right_foot_index"),
    "whole body": (),  # every keypoint
}


class LeaveOutError(PoseStudioError):
    """A leave-out request that cannot be carried out (one sentence for the user)."""


def part_mask(part: str, keypoint_names) -> np.ndarray:
    """(K,) bool: the keypoints of `part` in this keypoint set."""
    if part not in PARTS:
        raise LeaveOutError(f"Unknown body part '{part}'; the parts are: {', '.join(PARTS)}.")
    names = list(keypoint_names)
    if not PARTS[part]:
        return np.ones(len(names), dtype=bool)
    return np.isin(names, PARTS[part])


def part_of(mask_row: np.ndarray, keypoint_names) -> list[str]:
    """The parts wholly marked in one detection's (K,) mask ("whole body" alone when everything is)."""
    if mask_row.all():
        return ["whole body"]
    return [p for p in PARTS if PARTS[p] and mask_row[part_mask(p, keypoint_names)].all()]


def _copy_and_find(result, person_id: int, first: int, last: int):
    """A copy of the marks (all False when there are none) and the (frames, slots) holding the person in
    frames first..last (inclusive, clamped to the clip)."""
    mask = np.zeros(result.person_ids.shape + (len(result.keypoint_names),), dtype=bool) \
        if result.left_out is None else result.left_out.copy()
    first, last = max(0, int(first)), min(result.frame_count - 1, int(last))
    frames, slots = np.nonzero(result.person_ids[first:last + 1] == person_id)
    return mask, frames + first, slots, (first, last)


def leave_out(result, person_id: int, first: int, last: int, part: str) -> np.ndarray:
    """A new (F, P, K) mask: `result`'s marks plus `part` of `person_id` in frames first..last (inclusive)."""
    keys = part_mask(part, result.keypoint_names)
    mask, frames, slots, (first, last) = _copy_and_find(result, person_id, first, last)
    if frames.size == 0:
        raise LeaveOutError(f"Person #{person_id} is not in frames {first}-{last}; nothing was left out.")
    mask[frames, slots] |= keys
    return mask


def put_back(result, person_id: int, first: int, last: int) -> np.ndarray:
    """A new mask without any marks on `person_id` in frames first..last (inclusive)."""
    mask, frames, slots, _ = _copy_and_find(result, person_id, first, last)
    mask[frames, slots] = False
    return mask


def left_out_ranges(result, person_id: int) -> list[tuple[int, int, tuple[str, ...]]]:
    """(first, last, parts) stretches of consecutive frames where the same parts of the person are left out."""
    if result.left_out is None or not result.left_out.any():
        return []
    rows: list[tuple[str, ...] | None] = [None] * result.frame_count
    frames, slots = np.nonzero(result.person_ids == person_id)
    for f, p in zip(frames.tolist(), slots.tolist()):
        if result.left_out[f, p].any():
            rows[f] = tuple(part_of(result.left_out[f, p], result.keypoint_names)) or ("some points",)
    out: list[tuple[int, int, tuple[str, ...]]] = []
    for f, parts in enumerate(rows):
        if parts is None:
            continue
        if out and out[-1][1] == f - 1 and out[-1][2] == parts:
            out[-1] = (out[-1][0], f, parts)
        else:
            out.append((f, f, parts))
    return out


def in_model_sides(mask_row: np.ndarray, keypoint_names, arms_swapped: bool, legs_swapped: bool) -> np.ndarray:
    """One detection's (K,) marks with sides as the model labelled them: marks name sides as the curves show
    them, after the side fix relabelled a mixed-up pair of arms or legs (its side_swaps for this frame)."""
    out = np.array(mask_row, dtype=bool, copy=True)
    index = {n: i for i, n in enumerate(keypoint_names)}
    for limb, swapped in (("arm", arms_swapped), ("leg", legs_swapped)):
        if not swapped:
            continue
        for left in PARTS[f"left {limb}"]:
            right = "right_" + left[len("left_"):]
            if left in index and right in index:
                out[index[left]], out[index[right]] = mask_row[index[right]], mask_row[index[left]]
    return out


def drawn_keypoints(result, min_score: float = DEFAULT_MIN_SCORE) -> np.ndarray:
    """(F, P, K, 3) keypoints to draw (exported video): what the user left out gets score 0, on the model's
    own side labels (the side fix each person's curves use, with this score threshold, tells which)."""
    if result.left_out is None or not result.left_out.any():
        return result.keypoints
    from posestudio.core.kinematics.sides import fix_side_swaps

    out = result.keypoints.copy()
    for pid in result.person_ids_present():
        frames, slots = np.nonzero(result.person_ids == pid)
        marked = result.left_out[frames, slots].any(axis=1)
        if not marked.any():
            continue
        _, swaps = fix_side_swaps(result.track(pid), result.keypoint_names, min_score)
        for f, p in zip(frames[marked].tolist(), slots[marked].tolist()):
            mask = in_model_sides(result.left_out[f, p], result.keypoint_names,
                                  bool(swaps["arm"][f]), bool(swaps["leg"][f]))
            out[f, p, mask, 2] = 0.0
    return out
