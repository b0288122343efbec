"""What an exported clip draws on each frame: the keypoints the user kept, the angle values at the joints
and the small plot, for one person, scaled to the output size. The single-clip and side-by-side exports
(and the export benchmark) share it, so both draw as the window does."""

from __future__ import annotations

import numpy as np

from posestudio.core.errors import ExportError
from posestudio.core.render import FrameRenderer, OverlayOptions, angle_labels_for


class OverlayFrames:
    """Per-frame overlay data (scaled to the output size) for frames [i0, i1) of an analysis."""

    def __init__(self, result, options: OverlayOptions, i0: int, i1: int, scale: float, smooth: bool,
                 out_w: int, out_h: int, times: np.ndarray, person_id: int | None = None, custom=()):
        from posestudio.core.analysis import person_angles as tracks
        from posestudio.core.analysis.left_out import drawn_keypoints
        from posestudio.core.models.skeleton import keypoint_set

        self.result = result
        self.keypoints = drawn_keypoints(result, options.min_score)  # what the user left out is not drawn
        self.i0 = i0
        self.scale = scale
        ks = keypoint_set(result.keypoint_set)
        label_defs = self._label_defs(result, options, tracks, custom) if options.angles else []
        plot_defs = self._plot_defs(result, options, tracks, custom) if options.plot else []
        defs = list({a.name: a for a in label_defs + plot_defs}.values())
        # angles belong to one person, as in the window: the chosen one, else the one present most
        # (labels on every person of a crowd would hide the picture)
        main = tracks.main_person(result) if person_id is None else person_id
        people = [tracks.person_angles(result, main, defs, smooth=smooth, min_score=options.min_score)] \
            if defs and main is not None else []
        labels = angle_labels_for(ks, label_defs)
        self.values = np.stack([tracks.to_slots(result, people, lab.name) for lab in labels], axis=-1) \
            if labels and people else None  # (F, P, A), NaN outside the person's slots
        series = {a.name: people[0].angles[a.name][i0:i1] for a in plot_defs} if plot_defs and people else None
        self.renderer = FrameRenderer(out_w, out_h, ks, options, labels, times, series)

    @staticmethod
    def _label_defs(result, options: OverlayOptions, tracks, custom) -> list:
        """The angles written at the joints: those named (the window's shown ones, custom ones included), else
        the usual joint angles."""
        if options.label_angles is None:
            return tracks.labelled_angles(result.keypoint_names, custom)
        available = {a.name: a for a in tracks.available_angles(result.keypoint_names, custom)}
        return [available[n] for n in options.label_angles if n in available]

    @staticmethod
    def _plot_defs(result, options: OverlayOptions, tracks, custom) -> list:
        available = {a.name: a for a in tracks.available_angles(result.keypoint_names, custom)}
        wanted = list(options.plot_angles)
        if not wanted:
            knees = [n for n in ("left_knee", "right_knee") if n in available]
            wanted = knees or list(available)[:2]
        unknown = [n for n in wanted if n not in available]
        if unknown:
            raise ExportError(f"The plot cannot show {', '.join(unknown)} with this model; choose from "
                              f"{', '.join(available)}.")
        return [available[n] for n in wanted]

    def draw(self, rgb: np.ndarray, index: int, time_s: float) -> None:
        r = self.result
        if index < r.keypoints.shape[0]:
            people = self.keypoints[index]
            if self.scale != 1.0:
                people = people.copy()
                people[..., :2] *= self.scale
            values = self.values[index] if self.values is not None else None
        else:
            people, values = None, None
        manual = r.manual[index] if r.manual is not None and index < r.manual.shape[0] else None
        self.renderer.draw(rgb, time_s=time_s, people=people, angle_values=values, plot_pos=index - self.i0,
                           manual=manual)
