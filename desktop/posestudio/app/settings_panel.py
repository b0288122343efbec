"""Side panel: model, confidence threshold, smoothing, which angles to show, who to follow, waiting videos."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMenu,
    QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget,
)

from posestudio.app import angles
from posestudio.app.angle_picker import MODES
from posestudio.app.people_setting import PeopleBox, with_people_cost
from posestudio.app.settings import DEFAULT_MODEL, DEFAULT_THRESHOLD, Settings
from posestudio.app.settings_defaults import DEFAULT_PEOPLE, DefaultsNote, changed_settings

log = logging.getLogger(__name__)

NAME_ROLE = Qt.ItemDataRole.UserRole
CUSTOM_ROLE = Qt.ItemDataRole.UserRole + 1


def model_choices() -> list[tuple[str, str, str]]:
    """(id, display name, plain-words description) for each user-facing model, from the manifest."""
    from posestudio.core.models import registry as models

    out = []
    for model_id in models.MODEL_IDS:
        try:
            info = models.model_info(model_id)
        except Exception:
            log.warning("No manifest entry for %s", model_id, exc_info=True)
            out.append((model_id, model_id, ""))
            continue
        parts = [info.get("description", "")]
        for key, label in (("speed", "Speed"), ("accuracy", "Accuracy")):
            if info.get(key):
                parts.append(f"{label}: {info[key]}")
        try:
            built = models.model_file(model_id).is_file()
        except Exception:
            built = False
        if not built:
            parts.append(f"Not built yet: run `posestudio models build {model_id}`.")
        text = ". ".join(p.rstrip(".") for p in parts if p) + "."
        out.append((model_id, info.get("name", model_id), text[0].upper() + text[1:] if text != "." else ""))
    return out


def keypoint_names_for(model_id: str) -> tuple[str, ...]:
    from posestudio.core.models import registry as models
    from posestudio.core.models.skeleton import keypoint_set

    try:
        return keypoint_set(models.model_info(model_id)["keypoints"]).names
    except Exception:
        log.warning("Unknown keypoint set for %s", model_id, exc_info=True)
        return ()


@dataclass(frozen=True)
class Choices:
    """What the panel says the window should show: handed over whole, so nobody reads its widgets."""

    model_id: str
    model_name: str                  # as the user sees it in the list
    threshold: float                 # keypoint confidence below which joints are faded and angles left out
    smoothing: bool
    labels: bool                     # angle values drawn on the video
    angles: tuple[str, ...]          # the ticked angles this model can compute, in list order
    person: int                      # track id to follow, -1 for the longest track
    people: int = 1                  # how many people BlazePose follows (people_setting)


class SettingsPanel(QWidget):
    model_requested = Signal(str)       # the user picked another model; the window decides
    choices_changed = Signal(object)    # Choices: confidence, smoothing, labels, angles or person changed
    queue_activated = Signal(str)
    add_angle_requested = Signal(str)           # a kind of custom angle to click: a key of angle_picker.MODES
    rename_angle_requested = Signal(str)        # a custom angle's name
    delete_angle_requested = Signal(str)
    person_menu_requested = Signal(int, object)  # track id, global QPoint: identity fixes

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self._keypoint_names: tuple[str, ...] = ()
        self._custom: tuple = ()   # the user's custom AngleDefs

        # model
        self.model_box = QComboBox()
        self._model_notes: dict[str, str] = {}
        for model_id, name, note in model_choices():
            note = with_people_cost(model_id, note)
            self.model_box.addItem(name, model_id)
            self.model_box.setItemData(self.model_box.count() - 1, note, Qt.ItemDataRole.ToolTipRole)
            self._model_notes[model_id] = note
        self.model_note = QLabel()
        self.model_note.setWordWrap(True)
        self.model_note.setStyleSheet("color: gray")
        self.people_box = PeopleBox(settings)  # another number of people is analysed like another model
        self.people_box.people_requested.connect(self._on_people)
        self.set_model(settings.model_id)
        self.model_box.currentIndexChanged.connect(self._on_model)

        # display
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(0, 100)
        self.threshold_slider.setValue(round(settings.threshold * 100))
        self.threshold_slider.setToolTip("Joints scored below this are drawn faded and their angles left out")
        self.threshold_label = QLabel(f"{settings.threshold:.2f}")
        self.threshold_slider.valueChanged.connect(self._on_threshold)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(self.threshold_slider, 1)
        threshold_row.addWidget(self.threshold_label)
        self.smoothing_box = QCheckBox("Clean and smooth curves")
        self.smoothing_box.setToolTip(
            "Low-pass filter (6 Hz), short gaps filled. Left out, as the keypoints cannot support them: limbs seen "
            "end-on (shorter than a quarter of the trunk), one-frame spikes, a few frames between gaps that "
            "disagree with everything around them. Untick to see the raw angles; exports keep both.")
        self.smoothing_box.setChecked(settings.smoothing)
        self.smoothing_box.toggled.connect(self._on_smoothing)
        self.labels_box = QCheckBox("Angle values on the video")
        self.labels_box.setChecked(settings.show_angle_labels)
        self.labels_box.toggled.connect(self._on_labels)
        self.person_box = QComboBox()
        self.person_box.setToolTip("Whose angles to show when several people are found (or click a person)")
        self.person_box.addItem("Longest track", -1)
        self.person_box.setEnabled(False)
        self.person_box.currentIndexChanged.connect(self._on_person)
        self.person_box.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.person_box.customContextMenuRequested.connect(self._on_person_menu)

        # settings that change the numbers, when not the defaults: said, with one click back
        self.changed_box = DefaultsNote()
        self.changed_note, self.reset_button = self.changed_box.note, self.changed_box.button
        self.changed_box.reset_requested.connect(self.reset_to_defaults)

        analysis = QGroupBox("Analysis")
        form = QFormLayout(analysis)
        form.addRow("Model", self.model_box)
        form.addRow("People", self.people_box)
        form.addRow(self.model_note)
        form.addRow("Confidence", threshold_row)
        form.addRow(self.smoothing_box)
        form.addRow(self.labels_box)
        form.addRow("Follow", self.person_box)
        form.addRow(self.changed_box)

        # angles
        self.angle_list = QListWidget()
        self.angle_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.angle_list.setUniformItemSizes(True)   # one font, one line each: no per-row layout when a value changes
        self.angle_list.setToolTip("Tick the angles to plot; greyed ones need another model")
        self.angle_list.itemChanged.connect(self._on_angle_item)
        self.angle_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.angle_list.customContextMenuRequested.connect(self._on_angle_menu)
        self.add_angle_button = QToolButton(text="Add angle…")
        self.add_angle_button.setToolTip("Define your own angle by clicking keypoints on the video")
        self.add_angle_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        add_menu = QMenu(self.add_angle_button)
        for mode, info in MODES.items():
            add_menu.addAction(info.menu, lambda m=mode: self.add_angle_requested.emit(m))
        self.add_angle_button.setMenu(add_menu)
        self.angle_group = QGroupBox("Angles (now)")
        angle_layout = QVBoxLayout(self.angle_group)
        angle_layout.addWidget(self.angle_list)
        angle_layout.addWidget(self.add_angle_button, 0, Qt.AlignmentFlag.AlignLeft)
        angle_group = self.angle_group

        # queue
        self.queue_list = QListWidget()
        self.queue_list.setToolTip("Dropped videos waiting their turn; double-click one to open it")
        self.queue_list.itemDoubleClicked.connect(self._on_queue_item)
        self.next_button = QPushButton("Open next")
        self.next_button.clicked.connect(self.open_next)
        self.queue_group = QGroupBox("Waiting videos")
        queue_layout = QVBoxLayout(self.queue_group)
        queue_layout.addWidget(self.queue_list)
        queue_layout.addWidget(self.next_button)
        self.queue_group.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(analysis)
        layout.addWidget(angle_group)
        layout.addWidget(self.queue_group)
        layout.addStretch(1)
        self.set_keypoint_names(keypoint_names_for(settings.model_id))
        self._show_changed()

    # model
    @property
    def model_id(self) -> str:
        return str(self.model_box.currentData())

    def set_model(self, model_id: str) -> None:
        i = self.model_box.findData(model_id)
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(max(i, 0))
        self.model_box.blockSignals(False)
        self.model_note.setText(self._model_notes.get(self.model_id, ""))
        self.people_box.set_model(self.model_id)
        if hasattr(self, "changed_box"):  # set_model runs once before the note exists
            self._show_changed()

    def _on_model(self, _i: int) -> None:
        self.model_note.setText(self._model_notes.get(self.model_id, ""))
        self.people_box.set_model(self.model_id)
        self.model_requested.emit(self.model_id)
        self._show_changed()

    def _on_people(self, _people: int) -> None:
        self._show_changed()
        self.model_requested.emit(self.model_id)  # another number of people is analysed like another model

    def changed_settings(self) -> list[str]:
        """The settings that change the numbers and are not their defaults, in words."""
        return changed_settings(self.model_id, self.model_box.currentText(), self.people_box.value(),
                                self.threshold_slider.value() / 100.0, self.smoothing_box.isChecked())

    def _show_changed(self) -> None:
        self.changed_box.show_changed(self.changed_settings())

    def reset_to_defaults(self) -> None:
        self.threshold_slider.setValue(round(DEFAULT_THRESHOLD * 100))
        self.smoothing_box.setChecked(True)
        fewer = self.people_box.value() != DEFAULT_PEOPLE
        self.people_box.set_quietly(DEFAULT_PEOPLE)  # one re-analysis for people and model together, below
        if self.model_id != DEFAULT_MODEL:
            self.model_box.setCurrentIndex(max(self.model_box.findData(DEFAULT_MODEL), 0))  # the window re-analyses
        elif fewer:
            self.model_requested.emit(self.model_id)
        self._show_changed()

    def new_clip(self) -> None:
        """A clip was opened: the person followed on the last one means nothing here (track ids are per clip)."""
        self.settings.person = -1

    # display choices
    def choices(self) -> Choices:
        return Choices(model_id=self.model_id, model_name=self.model_box.currentText(),
                       threshold=self.threshold_slider.value() / 100.0, smoothing=self.smoothing_box.isChecked(),
                       labels=self.labels_box.isChecked(), angles=tuple(self.wanted_angles()),
                       person=self.settings.person, people=self.settings.people)  # person: kept until the tracks are known

    def _on_threshold(self, value: int) -> None:
        self.threshold_label.setText(f"{value / 100:.2f}")
        self.settings.threshold = value / 100.0
        self._show_changed()
        self.choices_changed.emit(self.choices())

    def _on_smoothing(self, on: bool) -> None:
        self.settings.smoothing = on
        self._show_changed()
        self.choices_changed.emit(self.choices())

    def _on_labels(self, on: bool) -> None:
        self.settings.show_angle_labels = on
        self.choices_changed.emit(self.choices())

    # angles
    def set_custom_angles(self, custom) -> None:
        """The user's custom angles changed (added, renamed, deleted): rebuild the checklist."""
        self._custom = tuple(custom)
        self.set_keypoint_names(self._keypoint_names, force=True)

    def set_keypoint_names(self, names: tuple[str, ...], force: bool = False) -> None:
        """Rebuild the checklist for a keypoint set: unavailable angles greyed with the reason."""
        if names == self._keypoint_names and self.angle_list.count() and not force:
            return
        shown = self.wanted_angles()
        self._keypoint_names = tuple(names)
        wanted = set(self.settings.angles)
        self.angle_list.blockSignals(True)
        self.angle_list.clear()
        for info in angles.catalog(names, self._custom):
            item = QListWidgetItem(info.label)
            item.setData(NAME_ROLE, info.name)
            item.setData(CUSTOM_ROLE, info.custom)
            if info.available:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if info.name in wanted else Qt.CheckState.Unchecked)
                item.setToolTip(info.convention + (" (custom: right-click to rename or delete)" if info.custom else ""))
            else:
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable)  # not enabled: greyed out
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setToolTip(info.reason)
            self.angle_list.addItem(item)
        self.angle_list.blockSignals(False)
        self._fit_list_height()
        if self.wanted_angles() != shown:
            self.choices_changed.emit(self.choices())

    def _fit_list_height(self) -> None:
        """The list as tall as its rows: the side panel scrolls as one, with no scrolling list inside it."""
        rows = sum(self.angle_list.sizeHintForRow(i) for i in range(self.angle_list.count()))
        self.angle_list.setFixedHeight(rows + 2 * self.angle_list.frameWidth() + 2)

    def wanted_angles(self) -> list[str]:
        out = []
        for i in range(self.angle_list.count()):
            item = self.angle_list.item(i)
            if item.checkState() == Qt.CheckState.Checked and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                out.append(item.data(NAME_ROLE))
        return out

    def _on_angle_item(self, _item) -> None:
        wanted = self.wanted_angles()
        # angles this model cannot compute stay chosen for models that can
        unavailable = {self.angle_list.item(i).data(NAME_ROLE) for i in range(self.angle_list.count())
                       if not self.angle_list.item(i).flags() & Qt.ItemFlag.ItemIsEnabled}
        kept = [a for a in self.settings.angles if a in unavailable]
        self.settings.angles = wanted + kept
        self.choices_changed.emit(self.choices())

    def _on_angle_menu(self, pos) -> None:
        item = self.angle_list.itemAt(pos)
        if item is None or not item.data(CUSTOM_ROLE):
            return
        name = item.data(NAME_ROLE)
        menu = QMenu(self)
        menu.addAction(f"Rename {name}…", lambda: self.rename_angle_requested.emit(name))
        menu.addAction(f"Delete {name}", lambda: self.delete_angle_requested.emit(name))
        menu.popup(self.angle_list.viewport().mapToGlobal(pos))

    def show_values(self, values: dict[str, float]) -> None:
        """Write the current value next to each angle's name (empty when unknown)."""
        self.angle_list.blockSignals(True)
        for i in range(self.angle_list.count()):
            item = self.angle_list.item(i)
            name = item.data(NAME_ROLE)
            label = angles.label_for(name)
            value = values.get(name)
            text = f"{label}   {value:.0f}°" if value is not None and math.isfinite(value) else label
            if item.text() != text:
                item.setText(text)
        self.angle_list.blockSignals(False)

    # people
    def set_tracks(self, tracks: list[tuple[int, int]], followed: int) -> None:
        wanted = self.settings.person
        self.person_box.blockSignals(True)
        self.person_box.clear()
        self.person_box.addItem("Longest track", -1)
        for track_id, frames in tracks:
            self.person_box.addItem(f"Person #{track_id} ({frames} frames)", track_id)
        i = self.person_box.findData(wanted)
        self.person_box.setCurrentIndex(max(i, 0))
        self.person_box.setEnabled(len(tracks) > 1)
        self.person_box.blockSignals(False)

    def select_person(self, track_id: int) -> None:
        i = self.person_box.findData(track_id)
        if i >= 0:
            self.person_box.setCurrentIndex(i)

    def _on_person_menu(self, pos) -> None:
        value = self.person_box.currentData()
        if value is not None and int(value) >= 0:
            self.person_menu_requested.emit(int(value), self.person_box.mapToGlobal(pos))

    def _on_person(self, _i: int) -> None:
        value = self.person_box.currentData()
        person = int(value) if value is not None else -1
        self.settings.person = person
        self.choices_changed.emit(self.choices())

    # queue
    def set_queue(self, paths: list[str]) -> None:
        from pathlib import Path

        self.queue_list.clear()
        for p in paths:
            item = QListWidgetItem(Path(p).name)
            item.setData(NAME_ROLE, p)
            item.setToolTip(p)
            self.queue_list.addItem(item)
        self.queue_group.setVisible(bool(paths))

    def _on_queue_item(self, item: QListWidgetItem) -> None:
        self.queue_activated.emit(item.data(NAME_ROLE))

    def open_next(self) -> None:
        if self.queue_list.count():
            self.queue_activated.emit(self.queue_list.item(0).data(NAME_ROLE))
