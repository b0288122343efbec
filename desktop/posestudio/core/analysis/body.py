"""What one detected person looks like, for telling people apart: the box around their confident keypoints,
its centre and size, and a coarse colour histogram of their torso (clothes)."""

from __future__ import annotations

import cv2
import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

def box_from_keypoints(keypoints: np.ndarray, min_score: float = DEFAULT_MIN_SCORE, margin: float = 0.1) -> np.ndarray | None:
    """(x0, y0, x1, y1) around the confident keypoints, widened by `margin` of its size; None if under 2."""
    kp = np.asarray(keypoints, dtype=np.float64)
    ok = valid_points(kp, min_score)
    if ok.sum() < 2:
        return None
    xy = kp[ok, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = margin * (hi - lo).max()
    return np.concatenate([lo - pad, hi + pad])


def valid_points(kp: np.ndarray, min_score: float) -> np.ndarray:
    ok = np.isfinite(kp[:, :2]).all(axis=1)
    if kp.shape[1] > 2:
        with np.errstate(invalid="ignore"):
            ok &= kp[:, 2] >= min_score
    return ok


def box_centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


def box_size(box: np.ndarray) -> float:
    """Body size in pixels: the square root of the box area, which changes less with pose than its sides."""
    return float(np.sqrt(max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)))


def colour_distance(a: np.ndarray, b: np.ndarray) -> float:
    """0 for the same colour histogram, 1 for ones with no colour in common (1 - Bhattacharyya coefficient)."""
    return 1.0 - float(np.sqrt(a * b).sum())


def normalised(v) -> np.ndarray:
    v = np.clip(np.asarray(v, dtype=np.float64).ravel(), 0, None)
    total = v.sum()
    return v / total if total > 0 else np.full(v.shape, 1.0 / max(v.size, 1))


def torso_colours(rgb: np.ndarray, keypoints_list, boxes=None, bins: int = 4, min_score: float = DEFAULT_MIN_SCORE) -> list:
    """A cheap appearance cue per person for PersonTracker.update(appearance=...): a coarse colour
    histogram (bins**3) of the torso (between shoulders and hips; the middle of the box when those are not
    seen). None for a person with nothing usable. Clothes tell apart people whose motion does not."""
    h, w = rgb.shape[:2]
    out = []
    for j, kp in enumerate(keypoints_list):
        kp = np.asarray(kp, dtype=np.float64)
        torso = _TORSO.get(kp.shape[0], ())
        pts = kp[list(torso)] if torso else kp[:0]
        pts = pts[valid_points(pts, min_score)] if len(pts) else pts
        if len(pts) >= 3:
            x0, y0 = pts[:, :2].min(axis=0)
            x1, y1 = pts[:, :2].max(axis=0)
        else:
            box = None if boxes is None or boxes[j] is None else np.asarray(boxes[j], dtype=np.float64)
            if box is None or not np.isfinite(box).all():
                box = box_from_keypoints(kp, min_score)
            if box is None:
                out.append(None)
                continue
            bw, bh = box[2] - box[0], box[3] - box[1]
            x0, x1, y0, y1 = box[0] + 0.3 * bw, box[2] - 0.3 * bw, box[1] + 0.25 * bh, box[1] + 0.55 * bh
        # the inner part only: edges of the torso box are often background
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, max((x1 - x0) * 0.35, 2), max((y1 - y0) * 0.4, 2)
        xa, xb = int(np.clip(cx - hw, 0, w)), int(np.clip(cx + hw, 0, w))
        ya, yb = int(np.clip(cy - hh, 0, h)), int(np.clip(cy + hh, 0, h))
        patch = rgb[ya:yb, xa:xb]
        if patch.shape[0] * patch.shape[1] < 4:
            out.append(None)
            continue
        # calcHist: the same counts as binning each channel by value * bins // 256, at a fifth of numpy's CPU
        hist = cv2.calcHist([patch], [0, 1, 2], None, [bins] * 3, [0, 256] * 3).ravel().astype(np.float64)
        out.append(hist / hist.sum())
    return out


_TORSO = {17: (5, 6, 11, 12), 33: (11, 12, 23, 24)}  # shoulders and hips, COCO and BlazePose
