"""Left/right leg mix-ups in side views are undone; frontal views and crossing legs are left alone."""

import numpy as np

from posestudio.core.kinematics import angle_table, fix_side_swaps
from posestudio.core.kinematics.angles import COCO17_NAMES

IDX = {n: i for i, n in enumerate(COCO17_NAMES)}


def runner(frames=60, fps=30.0, hip_gap=0.0, rng=None):
    """Side view of legs swinging in opposite phase (thigh +-35 deg, knee bending in swing), plus noise."""
    rng = rng or np.random.default_rng(0)
    t = np.arange(frames) / fps
    kp = np.zeros((frames, 17, 3))
    kp[..., 2] = 0.9
    kp[:, :, :2] = (100, 40)  # head points
    for side, phase, dx in (("left", 0.0, -hip_gap / 2), ("right", np.pi, hip_gap / 2)):
        swing = np.radians(35) * np.sin(2 * np.pi * 1.4 * t + phase)
        bend = np.radians(45) * (1 + np.sin(2 * np.pi * 1.4 * t + phase + 1.2))
        hip = np.stack([np.full(frames, 100 + dx), np.full(frames, 150.0)], 1)
        knee = hip + 60 * np.stack([np.sin(swing), np.cos(swing)], 1)
        ankle = knee + 60 * np.stack([np.sin(swing - bend), np.cos(swing - bend)], 1)
        kp[:, IDX[f"{side}_shoulder"], :2] = (100 + dx, 60)
        kp[:, IDX[f"{side}_hip"], :2] = hip
        kp[:, IDX[f"{side}_knee"], :2] = knee + rng.normal(0, 1.5, knee.shape)
        kp[:, IDX[f"{side}_ankle"], :2] = ankle + rng.normal(0, 1.5, ankle.shape)
    return t, kp


def knee_flexion(kp, side):
    """Degrees between thigh (hip->knee) and shank (knee->ankle), 0 = straight, with plain numpy."""
    hip, knee, ankle = (kp[:, IDX[f"{side}_{p}"], :2] for p in ("hip", "knee", "ankle"))
    u, v = knee - hip, ankle - knee
    cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def swap_legs(kp, frames):
    out = kp.copy()
    for part in ("knee", "ankle"):
        li, ri = IDX[f"left_{part}"], IDX[f"right_{part}"]
        out[frames, li], out[frames, ri] = kp[frames, ri], kp[frames, li]
    return out


def test_mislabelled_frames_are_found_and_undone():
    t, kp = runner()
    bad = [16, 17, 18, 40]  # legs well apart there
    fixed, changed = fix_side_swaps(swap_legs(kp, bad), COCO17_NAMES)
    assert np.flatnonzero(changed["leg"]).tolist() == bad
    np.testing.assert_array_equal(fixed, kp)
    assert not changed["arm"].any()


def test_clean_side_view_and_frontal_view_untouched():
    t, kp = runner()
    _, changed = fix_side_swaps(kp, COCO17_NAMES)
    assert not changed["leg"].any()
    t, front = runner(hip_gap=60.0)  # legs apart in x: a swap there is never cheaper
    _, changed = fix_side_swaps(front, COCO17_NAMES)
    assert not changed["leg"].any()


def test_angle_table_knee_curve_has_no_jump_after_fix():
    t, kp = runner()
    mixed = swap_legs(kp, [16, 17, 18])
    truth, naive = knee_flexion(kp, "left"), knee_flexion(mixed, "left")
    table = angle_table(mixed, t, COCO17_NAMES, angles=["left_knee"], smoothing=False)
    assert np.max(np.abs(naive - truth)) > 30  # the mix-up really makes a jump
    np.testing.assert_allclose(table.raw["left_knee"], truth)
    assert table.side_swaps["leg"][16:19].all()
    off = angle_table(mixed, t, COCO17_NAMES, angles=["left_knee"], smoothing=False, fix_sides=False)
    np.testing.assert_allclose(off.raw["left_knee"], naive)
