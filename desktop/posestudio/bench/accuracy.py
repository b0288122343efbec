"""Top-down keypoint accuracy (PCK) on COCO-style annotations: each labelled person's box is given.

For every person with at least MIN_LABELLED keypoints, the square around its box (long side x 1.25) is
cropped and the model runs on it alone; predictions are mapped to COCO-17 and compared with the labels.

- pck_0.2_torso: fraction of labelled keypoints within 0.2 x the torso size, where the torso size is the
  mean length of the two shoulder-hip diagonals (left shoulder - right hip, right shoulder - left hip), or
  the one diagonal that is labelled. People with neither diagonal labelled are left out of this number only.
- pck_0.1_bbox: fraction within 0.1 x the long side of the annotated box.
A person the model does not find counts as all wrong. Labelled means v > 0 (visible or hidden).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from posestudio.core.errors import PoseStudioError
from posestudio.core.models.geometry import box_iou
from posestudio.core.models.pose import PoseEstimator, create_estimator
from posestudio.core.models.pose.crop import Region, crop
from posestudio.core.models.skeleton import BLAZEPOSE_TO_COCO, COCO17

log = logging.getLogger(__name__)

MIN_LABELLED = 5
BOX_SCALE = 1.25
_LS, _RS, _LH, _RH = (COCO17.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))


class AnnotationError(PoseStudioError):
    """The annotation file or its images cannot be used."""


@dataclass
class Annotation:
    image: Path
    box: tuple[float, float, float, float]   # x0, y0, x1, y1
    keypoints: np.ndarray                    # (17, 3) x, y, v


@dataclass
class EvalReport:
    pck_torso: float
    pck_bbox: float
    persons: int
    keypoints: int
    missed_persons: int
    per_person: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"pck_0.2_torso: {self.pck_torso:.4f}", f"pck_0.1_bbox: {self.pck_bbox:.4f}",
                f"persons: {self.persons}", f"keypoints: {self.keypoints}", f"missed_persons: {self.missed_persons}"]


def load_annotations(path) -> list[Annotation]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        images = {img["id"]: img["file_name"] for img in data["images"]}
        anns = data["annotations"]
    except FileNotFoundError:
        raise AnnotationError(f"The annotation file {path} does not exist; check the path.") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.exception("cannot read %s", path)
        raise AnnotationError(f"{path.name} is not a COCO keypoint annotation file; give a COCO-style .json.") \
            from exc
    out = []
    for ann in anns:
        kps = np.asarray(ann.get("keypoints") or [], dtype=np.float64)
        if kps.size != 51 or ann.get("iscrowd"):
            continue
        kps = kps.reshape(17, 3)
        if int((kps[:, 2] > 0).sum()) < MIN_LABELLED:
            continue
        x, y, w, h = ann["bbox"]
        out.append(Annotation(_find_image(path.parent, images[ann["image_id"]]), (x, y, x + w, y + h), kps))
    return out


def _find_image(folder: Path, file_name: str) -> Path:
    for candidate in (folder / file_name, folder / Path(file_name).name):
        if candidate.is_file():
            return candidate
    raise AnnotationError(f"The image {file_name} named in the annotations is not in {folder}; put it there.")


def _read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise AnnotationError(f"The image {path} cannot be read; check that it is a JPEG or PNG.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def predict_in_region(estimator: PoseEstimator, rgb: np.ndarray, region: Region, box) -> np.ndarray | None:
    """COCO-17 (x, y, score) in image pixels for the person in `region`, or None when none is found.

    Estimators that can run on a given region get it directly (MoveNet single: `estimate_region`; BlazePose:
    `estimate_in_box`, its detector and landmark model inside the box); others see the crop as a picture
    of its own. With several people found, the one whose box overlaps the given box
    most wins (a top-down pipeline is handed that box), then the most confident.
    """
    estimator.reset()
    if hasattr(estimator, "estimate_in_box"):  # BlazePose: detector inside the box, then landmarks on its ROI
        corners = region.to_image(np.array([[0.0, 0.0], [1.0, 1.0]])).reshape(4)
        person = estimator.estimate_in_box(rgb, corners)
        found = [] if person is None else [(np.asarray(person.keypoints, dtype=np.float64), person.box, person.score)]
    elif hasattr(estimator, "estimate_region"):
        found = [(np.asarray(p.keypoints, dtype=np.float64), p.box, p.score)
                 for p in estimator.estimate_region(rgb, region)]
    else:
        side = max(8, int(round(region.width)))
        found = []
        for p in estimator.estimate(crop(rgb, region, side)):
            kps = np.asarray(p.keypoints, dtype=np.float64).copy()
            kps[:, :2] = region.to_image(kps[:, :2] / side)
            pbox = None if p.box is None else region.to_image(np.reshape(p.box, (2, 2)) / side).reshape(4)
            found.append((kps, pbox, p.score))
    if not found:
        return None

    def rank(item):
        kps, pbox, score = item
        if pbox is None:
            pbox = np.r_[kps[:, :2].min(axis=0), kps[:, :2].max(axis=0)]
        return (box_iou(pbox, box), score)

    kps = max(found, key=rank)[0]
    return kps[list(BLAZEPOSE_TO_COCO)] if len(kps) == 33 else kps


def torso_size(kps: np.ndarray) -> float | None:
    lengths = [np.linalg.norm(kps[a, :2] - kps[b, :2]) for a, b in ((_LS, _RH), (_RS, _LH))
               if kps[a, 2] > 0 and kps[b, 2] > 0]
    return float(np.mean(lengths)) if lengths else None


def evaluate(annotations_path, model_id: str, estimator: PoseEstimator | None = None, progress=None) -> EvalReport:
    anns = load_annotations(annotations_path)
    if not anns:
        raise AnnotationError(f"{Path(annotations_path).name} has no person with {MIN_LABELLED} or more labelled "
                              "keypoints; nothing to evaluate.")
    estimator = estimator or create_estimator(model_id)
    images: dict[Path, np.ndarray] = {}
    hit_t = n_t = hit_b = n_b = missed = 0
    per_person = []
    for i, ann in enumerate(anns):
        rgb = images.get(ann.image)
        if rgb is None:
            rgb = images[ann.image] = _read_rgb(ann.image)
        region = Region.from_box(*ann.box, scale=BOX_SCALE)
        pred = predict_in_region(estimator, rgb, region, ann.box)
        labelled = ann.keypoints[:, 2] > 0
        gt = ann.keypoints[labelled, :2]
        if pred is None:
            missed += 1
            dist = np.full(len(gt), np.inf)
        else:
            dist = np.linalg.norm(pred[labelled, :2] - gt, axis=1)
        long_side = max(ann.box[2] - ann.box[0], ann.box[3] - ann.box[1])
        ok_b = int((dist <= 0.1 * long_side).sum())
        hit_b, n_b = hit_b + ok_b, n_b + len(gt)
        torso = torso_size(ann.keypoints)
        ok_t = None
        if torso is not None:
            ok_t = int((dist <= 0.2 * torso).sum())
            hit_t, n_t = hit_t + ok_t, n_t + len(gt)
        per_person.append({"image": ann.image.name, "labelled": len(gt), "found": pred is not None,
                           "within_torso": ok_t, "within_bbox": ok_b})
        if progress is not None:
            progress(i + 1, len(anns))
    return EvalReport(pck_torso=hit_t / n_t if n_t else float("nan"), pck_bbox=hit_b / n_b, persons=len(anns),
                      keypoints=n_b, missed_persons=missed, per_person=per_person)
