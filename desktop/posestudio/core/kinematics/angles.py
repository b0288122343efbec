"""Joint and segment angle definitions (data) and their computation on one person's keypoints.

Coordinates come in image pixels (x right, y DOWN). Every angle is reported as a user reads it on screen:
y UP, counter-clockwise positive. Kinds:

- ``three_point``: the angle at the middle keypoint, in [0, 180].
- ``segment_pair``: the angle between segment k0->k1 and segment k2->k3, in [0, 180] (0 = same direction).
- ``segment``: segment k0->k1 against the horizontal pointing right, counter-clockwise positive, unwrapped
  over time (no jump at +-180).
- ``vertical``: segment k0->k1 against the vertical pointing up, positive when the top leans towards where
  the person faces (or towards the image's right when the facing cannot be told), unwrapped over time.

``offset`` is subtracted from the geometric value (the ankle uses 90 so that 0 = foot square to the shank).
Two virtual points are available everywhere: ``hip_center`` and ``shoulder_center`` (midpoints).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from posestudio.core.errors import PoseStudioError
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE, side_of

KINDS = ("three_point", "segment_pair", "segment", "vertical")
KEYPOINT_COUNT = {"three_point": 3, "segment_pair": 4, "segment": 2, "vertical": 2}

VIRTUAL_POINTS = {
    "hip_center": ("left_hip", "right_hip"),
    "shoulder_center": ("left_shoulder", "right_shoulder"),
}

COCO17_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
)
BLAZEPOSE33_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
# every name a definition may use, real or virtual
KNOWN_POINTS = tuple(dict.fromkeys(BLAZEPOSE33_NAMES + COCO17_NAMES + tuple(VIRTUAL_POINTS)))


class AngleUnavailableError(PoseStudioError):
    """An angle was asked for that the model's keypoints cannot give."""


@dataclass(frozen=True)
class AngleDef:
    name: str
    kind: str
    keypoints: tuple[str, ...]
    convention: str
    signed: bool = False
    offset: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown angle kind {self.kind!r}")
        if len(self.keypoints) != KEYPOINT_COUNT[self.kind]:
            raise ValueError(f"{self.kind} angle needs {KEYPOINT_COUNT[self.kind]} keypoints")

    @property
    def label(self) -> str:
        """Display name, e.g. 'Left knee'."""
        return self.name.replace("_", " ").capitalize()

    @property
    def side(self) -> str | None:
        """"left" / "right" as skeleton.side_of reads the name, None for an angle of the body's centre."""
        side = side_of(self.name)
        return None if side == "center" else side

    @property
    def family(self) -> str:
        """Name without its side, used to pair left and right ('knee', 'thigh', 'trunk_lean')."""
        side = self.side
        if side is None:
            return self.name
        return self.name[len(side) + 1:] if self.name.startswith(side + "_") else self.name[:-len(side) - 1]

    def required_points(self) -> tuple[str, ...]:
        """Real keypoint names this angle needs (virtual points expanded)."""
        out: list[str] = []
        for kp in self.keypoints:
            for real in VIRTUAL_POINTS.get(kp, (kp,)):
                if real not in out:
                    out.append(real)
        return tuple(out)


def _sided(side: str) -> list[AngleDef]:
    s = side
    return [
        AngleDef(f"{s}_knee", "segment_pair", (f"{s}_hip", f"{s}_knee", f"{s}_knee", f"{s}_ankle"),
                 "flexion: 0 = straight leg, grows as the knee bends"),
        AngleDef(f"{s}_hip", "segment_pair", (f"{s}_shoulder", f"{s}_hip", f"{s}_hip", f"{s}_knee"),
                 "flexion: angle between trunk line and thigh, 0 = thigh in line with the trunk"),
        AngleDef(f"{s}_elbow", "segment_pair", (f"{s}_shoulder", f"{s}_elbow", f"{s}_elbow", f"{s}_wrist"),
                 "flexion: 0 = straight arm, grows as the elbow bends"),
        AngleDef(f"{s}_shoulder", "segment_pair", (f"{s}_shoulder", f"{s}_hip", f"{s}_shoulder", f"{s}_elbow"),
                 "elevation: angle between trunk and upper arm, 0 = arm along the body"),
        AngleDef(f"{s}_ankle", "segment_pair", (f"{s}_knee", f"{s}_ankle", f"{s}_heel", f"{s}_foot_index"),
                 "0 = foot square to the shank, + dorsiflexion (toes up), - plantarflexion", offset=90.0),
    ]


def _segments(side: str) -> list[AngleDef]:
    s = side
    conv = "vs horizontal, counter-clockwise positive (y up), unwrapped"
    return [
        AngleDef(f"{s}_thigh", "segment", (f"{s}_hip", f"{s}_knee"), f"hip to knee {conv}", signed=True),
        AngleDef(f"{s}_shank", "segment", (f"{s}_knee", f"{s}_ankle"), f"knee to ankle {conv}", signed=True),
        AngleDef(f"{s}_foot", "segment", (f"{s}_heel", f"{s}_foot_index"), f"heel to toes {conv}", signed=True),
        AngleDef(f"{s}_upper_arm", "segment", (f"{s}_shoulder", f"{s}_elbow"), f"shoulder to elbow {conv}",
                 signed=True),
        AngleDef(f"{s}_forearm", "segment", (f"{s}_elbow", f"{s}_wrist"), f"elbow to wrist {conv}", signed=True),
    ]


DEFAULT_ANGLES: tuple[AngleDef, ...] = tuple(
    _sided("left") + _sided("right")
    + [AngleDef("trunk_lean", "vertical", ("hip_center", "shoulder_center"),
                "trunk vs vertical: 0 = upright, + leaning forward (towards the facing side), - backward",
                signed=True)]
    + _segments("left") + _segments("right")
    + [AngleDef("trunk", "segment", ("hip_center", "shoulder_center"),
                "hip centre to shoulder centre vs horizontal, counter-clockwise positive (y up), unwrapped",
                signed=True)]
)
_DEFAULT_BY_NAME = {a.name: a for a in DEFAULT_ANGLES}


def default_angle(name: str) -> AngleDef:
    """The default definition called `name`; raises AngleUnavailableError with the known names otherwise."""
    try:
        return _DEFAULT_BY_NAME[name]
    except KeyError:
        raise AngleUnavailableError(
            f"There is no angle called '{name}'; use one of {', '.join(_DEFAULT_BY_NAME)} or define a custom one."
        ) from None


def missing_points(angle: AngleDef, keypoint_names: Sequence[str]) -> list[str]:
    have = set(keypoint_names)
    return [p for p in angle.required_points() if p not in have]


def unavailable_reason(angle: AngleDef, keypoint_names: Sequence[str]) -> str | None:
    """None if `angle` can be computed from these keypoints, else one sentence saying why not."""
    missing = missing_points(angle, keypoint_names)
    if not missing:
        return None
    foot = {p for p in missing if p.endswith(("heel", "foot_index"))}
    if foot and set(keypoint_names) <= set(COCO17_NAMES):
        what = "ankle angles need" if angle.family == "ankle" else f"the {angle.label.lower()} angle needs"
        return f"MoveNet has no heel or foot points, so {what} a BlazePose model."
    return (f"This model has no {', '.join(missing)} point{'s' if len(missing) > 1 else ''}, "
            f"so the {angle.label.lower()} angle cannot be computed.")


def available_angles(keypoint_names: Sequence[str], angles: Iterable[AngleDef] | None = None) -> list[AngleDef]:
    """The angles (default set unless given) computable with this keypoint set, in order."""
    return [a for a in (DEFAULT_ANGLES if angles is None else angles) if not missing_points(a, keypoint_names)]


# --- computation -------------------------------------------------------------------------------------------

class _Points:
    """Looks up (F, 2) point tracks by name, NaN where the score is low; builds virtual midpoints."""

    def __init__(self, keypoints: np.ndarray, keypoint_names: Sequence[str], min_score: float):
        self.kp = keypoints
        self.index = {n: i for i, n in enumerate(keypoint_names)}
        self.min_score = min_score
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name in VIRTUAL_POINTS:
                a, b = (self(n) for n in VIRTUAL_POINTS[name])
                self._cache[name] = (a + b) / 2.0
            else:
                k = self.kp[:, self.index[name]]
                xy = k[:, :2].astype(np.float64)
                if k.shape[1] > 2:
                    with np.errstate(invalid="ignore"):
                        low = ~(k[:, 2] >= self.min_score)  # NaN scores count as low
                    xy = np.where(low[:, None], np.nan, xy)
                self._cache[name] = xy
        return self._cache[name]

    def has(self, name: str) -> bool:
        return all(n in self.index for n in VIRTUAL_POINTS.get(name, (name,)))


def points_lookup(keypoints: np.ndarray, keypoint_names: Sequence[str], min_score: float) -> _Points:
    """Callable name -> (F, 2) point track (NaN where scored below min_score), virtual points included."""
    return _Points(keypoints, keypoint_names, min_score)


def _up(v: np.ndarray) -> np.ndarray:
    """Image vector -> y-up vector."""
    return np.stack([v[:, 0], -v[:, 1]], axis=1)


def _between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors, degrees in [0, 180]; atan2 keeps precision near 0 and 180."""
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    dot = (u * v).sum(axis=1)
    out = np.degrees(np.arctan2(np.abs(cross), dot))
    degenerate = (np.hypot(*u.T) == 0) | (np.hypot(*v.T) == 0)
    out[degenerate] = np.nan
    return out


def _half_open(deg: np.ndarray) -> np.ndarray:
    """(-180, 180]: atan2 gives -180 for a segment pointing exactly left when y is -0.0."""
    return np.where(deg <= -180.0, deg + 360.0, deg)


def unwrap_degrees(values: np.ndarray) -> np.ndarray:
    """Unwrap an angle track over its valid samples (NaN gaps bridged by the nearest branch)."""
    out = np.array(values, dtype=np.float64)
    ok = np.isfinite(out)
    if ok.sum() > 1:
        out[ok] = np.degrees(np.unwrap(np.radians(out[ok])))
    return out


def facing_direction(keypoints: np.ndarray, keypoint_names: Sequence[str], min_score: float = DEFAULT_MIN_SCORE,
                     window: int = 15) -> np.ndarray:
    """Per frame +1 if the person faces the image's right, -1 if left, 0 if it cannot be told at all.

    Cues, only in side views (shoulders close together in x compared with the trunk length): the nose ahead
    of the ears, and the toes ahead of the heels (BlazePose). Frames without a cue take the nearest decided
    frame's value; a running majority over `window` frames removes single-frame flicker.
    """
    pts = _Points(np.asarray(keypoints), keypoint_names, min_score)
    n = keypoints.shape[0]
    votes = np.zeros(n)
    if not (pts.has("hip_center") and pts.has("shoulder_center")):
        return votes
    torso = np.hypot(*(pts("shoulder_center") - pts("hip_center")).T)
    if np.isfinite(torso).any():
        torso = np.where(np.isfinite(torso), torso, np.nanmedian(torso))
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are expected here
        spread = np.abs(pts("left_shoulder")[:, 0] - pts("right_shoulder")[:, 0]) / torso
        side_view = ~(spread > 0.35)  # NaN spread (one shoulder missing) still allows a cue
        if pts.has("nose") and pts.has("left_ear") and pts.has("right_ear"):
            ear_x = np.nanmean(np.stack([pts("left_ear")[:, 0], pts("right_ear")[:, 0]]), axis=0)
            d = (pts("nose")[:, 0] - ear_x) / torso
            votes += np.where(np.abs(d) > 0.08, np.sign(d), 0.0)
        for s in ("left", "right"):
            if pts.has(f"{s}_heel") and pts.has(f"{s}_foot_index"):
                d = (pts(f"{s}_foot_index")[:, 0] - pts(f"{s}_heel")[:, 0]) / torso
                votes += np.where(np.abs(d) > 0.1, np.sign(d), 0.0)
    votes = np.where(side_view & np.isfinite(votes), np.sign(votes), 0.0)
    decided = np.flatnonzero(votes)
    if decided.size == 0:
        return votes
    # nearest decided frame for the undecided ones
    pos = np.searchsorted(decided, np.arange(n))
    left = decided[np.clip(pos - 1, 0, decided.size - 1)]
    right = decided[np.clip(pos, 0, decided.size - 1)]
    nearest = np.where(np.abs(np.arange(n) - left) <= np.abs(right - np.arange(n)), left, right)
    filled = votes[nearest]
    if window > 1 and n > 1:
        kernel = np.ones(min(window, n))
        maj = np.convolve(filled, kernel, mode="same")
        filled = np.where(maj != 0, np.sign(maj), filled)
    return filled


def _resolve(angles, keypoint_names) -> list[AngleDef]:
    if angles is None:
        return available_angles(keypoint_names)
    out = []
    for a in angles:
        a = default_angle(a) if isinstance(a, str) else a
        reason = unavailable_reason(a, keypoint_names)
        if reason:
            raise AngleUnavailableError(reason)
        out.append(a)
    return out


def outside_picture_missing(keypoints: np.ndarray, frame_size, margin: float = 0.0) -> np.ndarray:
    """A copy of (..., K, 3) keypoints with the score of every point outside the picture set to 0.

    BlazePose places body parts that are out of view beyond the image edge, often with a high visibility;
    nothing in the picture supports them, so angles must treat them as missing. frame_size: (width, height)
    in pixels; margin: pixels beyond the edge still accepted. Points with NaN coordinates are left alone.
    """
    kp = np.array(keypoints, dtype=np.result_type(np.asarray(keypoints).dtype, np.float32))  # keeps float32
    if frame_size is None or kp.shape[-1] < 3:
        return kp
    w, h = (float(v) for v in frame_size)
    x, y = kp[..., 0], kp[..., 1]
    with np.errstate(invalid="ignore"):
        outside = (x < -margin) | (y < -margin) | (x >= w + margin) | (y >= h + margin)
    kp[..., 2][outside] = 0.0
    return kp


def compute_angles(keypoints: np.ndarray, keypoint_names: Sequence[str], angles=None,
                   min_score: float = DEFAULT_MIN_SCORE, frame_size=None) -> dict[str, np.ndarray]:
    """Angles of one person over frames.

    keypoints: (F, K, 3) x, y, score (or (F, K, 2) without scores); NaN rows for absent frames.
    angles: AngleDefs or default names; None = every default angle this keypoint set allows.
    Returns name -> (F,) float64 degrees, NaN where a needed keypoint is missing or scored below min_score.
    frame_size: (width, height); when given, points outside the picture count as missing.
    Raises AngleUnavailableError when an angle asked for by name needs points the model lacks.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if frame_size is not None and kp.ndim == 3:
        kp = outside_picture_missing(kp, frame_size)
    if kp.ndim != 3:
        raise ValueError("keypoints must be (frames, keypoints, 2 or 3)")
    pts = _Points(kp, keypoint_names, min_score)
    facing = None
    out: dict[str, np.ndarray] = {}
    for a in _resolve(angles, keypoint_names):
        p = [pts(n) for n in a.keypoints]
        with np.errstate(invalid="ignore"):
            if a.kind == "three_point":
                value = _between(p[0] - p[1], p[2] - p[1])
            elif a.kind == "segment_pair":
                value = _between(p[1] - p[0], p[3] - p[2])
            elif a.kind == "segment":
                v = _up(p[1] - p[0])
                value = unwrap_degrees(_half_open(np.degrees(np.arctan2(v[:, 1], v[:, 0]))))
            else:  # vertical: positive = top towards the facing side
                if facing is None:
                    facing = facing_direction(kp, keypoint_names, min_score)
                    facing = np.where(facing == 0, 1.0, facing)
                v = _up(p[1] - p[0])
                value = unwrap_degrees(_half_open(np.degrees(np.arctan2(v[:, 0] * facing, v[:, 1]))))
        out[a.name] = value - a.offset if a.offset else value
    return out
