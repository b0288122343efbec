"""Keypoint sets (COCO-17, BlazePose-33): names, skeleton edges, sides, and the map between them."""

from __future__ import annotations

from dataclasses import dataclass, field

# Keypoints scored below this do not count (angles, drawing, boxes): the window's default threshold and the
# default everywhere else, so a file exported with defaults matches what the window showed.
DEFAULT_MIN_SCORE = 0.3


def side_of(name: str) -> str:
    """"left" / "right" from a keypoint or angle name (the person's own side, as in COCO and MediaPipe:
    `left_knee`, `mouth_left`), else "center"."""
    if name.startswith("left_") or name.endswith("_left"):
        return "left"
    if name.startswith("right_") or name.endswith("_right"):
        return "right"
    return "center"


@dataclass(frozen=True)
class KeypointSet:
    name: str
    names: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(self.names)})
        for a, b in self.edges:
            if not (0 <= a < len(self.names) and 0 <= b < len(self.names)):
                raise ValueError(f"edge ({a}, {b}) is outside the {len(self.names)} keypoints of {self.name}")

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"{self.name} has no keypoint named {name!r}") from None

    def side(self, i: int) -> str:
        return side_of(self.names[i])

    def __contains__(self, name: object) -> bool:
        return name in self._index


COCO17 = KeypointSet(
    name="coco17",
    names=(
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ),
    edges=(
        (0, 1), (0, 2), (1, 3), (2, 4),               # face
        (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),      # shoulders, arms
        (5, 11), (6, 12), (11, 12),                   # trunk
        (11, 13), (13, 15), (12, 14), (14, 16),       # legs
    ),
)

BLAZEPOSE33 = KeypointSet(
    name="blazepose33",
    names=(
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        "left_heel", "right_heel", "left_foot_index", "right_foot_index",
    ),
    # MediaPipe's POSE_CONNECTIONS
    edges=(
        (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
        (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
        (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
        (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
        (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
    ),
)

# For each COCO-17 keypoint, the BlazePose-33 keypoint with the same name.
BLAZEPOSE_TO_COCO: tuple[int, ...] = tuple(BLAZEPOSE33.index(n) for n in COCO17.names)

_SETS = {s.name: s for s in (COCO17, BLAZEPOSE33)}


def keypoint_set(name: str) -> KeypointSet:
    try:
        return _SETS[name]
    except KeyError:
        raise KeyError(f"unknown keypoint set {name!r}; known: {', '.join(_SETS)}") from None
