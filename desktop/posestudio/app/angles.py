"""Which joint angles the window can show (built-in and the user's custom ones) and how to compute them."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np

from posestudio.core import kinematics as _kin
from posestudio.core.render import angle_anchor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AngleInfo:
    name: str
    label: str                    # "Left knee"
    anchor: tuple[str, ...]       # keypoints whose mean position carries the value on the video
    convention: str
    reason: str | None = None     # why it cannot be computed with this keypoint set (None: available)
    custom: bool = False          # defined by the user (can be renamed and deleted)

    @property
    def available(self) -> bool:
        return self.reason is None


def label_for(name: str) -> str:
    return name.replace("_", " ").capitalize()


def definitions(custom=()) -> dict:
    """name -> AngleDef: the built-in set, then custom angles (a custom one never hides a built-in)."""
    out = {a.name: a for a in _kin.DEFAULT_ANGLES}
    for a in custom:
        out.setdefault(a.name, a)
    return out


def catalog(keypoint_names, custom=()) -> list[AngleInfo]:
    """Every angle the app knows, each marked with why it is unavailable for these keypoints, if it is."""
    return list(_catalog(tuple(keypoint_names), tuple(custom)))


@functools.lru_cache(maxsize=16)
def _catalog(names: tuple[str, ...], custom: tuple) -> tuple[AngleInfo, ...]:
    builtin = {a.name for a in _kin.DEFAULT_ANGLES}
    return tuple(AngleInfo(d.name, label_for(d.name), angle_anchor(d), d.convention, _kin.unavailable_reason(d, names),
                           custom=d.name not in builtin)
                 for d in definitions(custom).values())


def table(keypoints: np.ndarray, keypoint_names, wanted: list[str], timestamps: np.ndarray,
          min_score: float, smooth: bool, custom=(), left_out=None):
    """AngleTable (raw, shown and velocity tracks) of the wanted angles for one person's (F, K, 3) keypoints,
    or None when none can be computed. The same call as the CLI and the exports. Runs on a worker thread."""
    names = tuple(keypoint_names)
    defs = definitions(custom)
    chosen = [defs[w] for w in wanted if w in defs and _kin.unavailable_reason(defs[w], names) is None]
    if not chosen or len(keypoints) == 0:
        return None
    return _kin.angle_table(keypoints, timestamps, names, angles=chosen, min_score=min_score, smoothing=smooth,
                            left_out=left_out)


def compute(keypoints: np.ndarray, keypoint_names, wanted: list[str], timestamps: np.ndarray,
            min_score: float, smooth: bool, custom=()) -> dict[str, np.ndarray]:
    """Angles (degrees, NaN where untrusted) as shown: filtered when smoothing is on, else raw."""
    found = table(keypoints, keypoint_names, wanted, timestamps, min_score, smooth, custom)
    return {} if found is None else {k: np.asarray(v, dtype=float) for k, v in found.filtered.items()}
