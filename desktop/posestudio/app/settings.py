"""Typed access to the user's persisted choices (QSettings under the PoseStudio organisation)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings

from posestudio.core.models.registry import DEFAULT_MODEL
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

DEFAULT_THRESHOLD = DEFAULT_MIN_SCORE
DEFAULT_ANGLES = ("left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow")
MAX_RECENT = 10


def _as_bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):  # INI files store booleans as text
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def _as_number(value, default, kind=float):
    """kind(value), or `default` when the stored text is not a number (hand-edited or corrupt settings)."""
    try:
        return kind(value)
    except (TypeError, ValueError):
        return default


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def write_file(path: str, fmt: QSettings.Format) -> None:
    """Write the changes made through any QSettings of this file in this process (they share them) to disk."""
    QSettings(path, fmt).sync()


class _NoAutoWrite(QObject):
    """Swallows QSettings' own write request (an UpdateRequest it posts to itself after a change): it wrote the
    file on the GUI thread, and the write ends with fdatasync, which took up to 53 ms on a busy disk when a clip
    opened (the recent files) and stalled the window."""

    def eventFilter(self, obj, event) -> bool:
        return event.type() == QEvent.Type.UpdateRequest


class Settings:
    """One place that knows the keys; QSettings() follows QCoreApplication names and the default format."""

    def __init__(self, qsettings: QSettings | None = None):
        self._s = qsettings if qsettings is not None else QSettings()
        self._write: Callable[[], None] | None = None
        self._no_auto_write = _NoAutoWrite()

    def sync(self) -> None:
        self._s.sync()

    def write_with(self, write: Callable[[], None]) -> None:
        """After each change, write() instead of QSettings on the GUI thread: a worker's write_file(*self.file())."""
        if self._write is None:
            self._s.installEventFilter(self._no_auto_write)
        self._write = write

    def stop_writing_with(self, write: Callable[[], None]) -> None:
        """Back to QSettings writing the file itself, unless another writer took over since."""
        if self._write is write:
            self._write = None
            try:
                self._s.removeEventFilter(self._no_auto_write)
                self._s.sync()   # also lets QSettings ask for its own writes again
            except RuntimeError:  # its C++ object went first (a window dropped at interpreter exit)
                pass

    def file(self) -> tuple[str, QSettings.Format]:
        return self._s.fileName(), self._s.format()

    def _set(self, key: str, value) -> None:
        self._s.setValue(key, value)
        self._changed()

    def _changed(self) -> None:
        if self._write is not None:
            self._write()

    # analysis and display choices
    @property
    def model_id(self) -> str:
        return str(self._s.value("analysis/model", DEFAULT_MODEL))

    @model_id.setter
    def model_id(self, value: str) -> None:
        self._set("analysis/model", value)

    @property
    def threshold(self) -> float:
        value = _as_number(self._s.value("display/threshold", DEFAULT_THRESHOLD), DEFAULT_THRESHOLD)
        return min(max(value, 0.0), 1.0)

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._set("display/threshold", float(value))

    @property
    def smoothing(self) -> bool:
        return _as_bool(self._s.value("display/smoothing"), True)

    @smoothing.setter
    def smoothing(self, value: bool) -> None:
        self._set("display/smoothing", bool(value))

    @property
    def show_angle_labels(self) -> bool:
        return _as_bool(self._s.value("display/angle_labels"), True)

    @show_angle_labels.setter
    def show_angle_labels(self, value: bool) -> None:
        self._set("display/angle_labels", bool(value))

    @property
    def angles(self) -> list[str]:
        value = self._s.value("display/angles")
        return list(DEFAULT_ANGLES) if value is None else _as_list(value)

    @angles.setter
    def angles(self, names: list[str]) -> None:
        # an empty list must survive the round trip, so store a sentinel-free joined string
        self._set("display/angles", list(names) if names else "")

    @property
    def person(self) -> int:
        """Track id to follow; -1 means the longest track."""
        return _as_number(self._s.value("display/person", -1), -1, int)

    @person.setter
    def person(self, value: int) -> None:
        self._set("display/person", int(value))

    @property
    def people(self) -> int:
        """How many people BlazePose follows (1: one, the default)."""
        return max(1, _as_number(self._s.value("analysis/people", 1), 1, int))

    @people.setter
    def people(self, value: int) -> None:
        self._set("analysis/people", int(value))

    @property
    def speed(self) -> float:
        return _as_number(self._s.value("playback/speed", 1.0), 1.0)

    @speed.setter
    def speed(self, value: float) -> None:
        self._set("playback/speed", float(value))

    # files
    @property
    def recent_files(self) -> list[str]:
        return _as_list(self._s.value("files/recent"))[:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        items = [p for p in self.recent_files if p != path]
        items.insert(0, path)
        items = items[:MAX_RECENT]
        self._set("files/recent", items)
        return items

    def clear_recent(self) -> None:
        self._s.remove("files/recent")
        self._changed()

    @property
    def last_folder(self) -> str:
        return str(self._s.value("files/last_folder", ""))

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._set("files/last_folder", value)

    def export_folder(self, kind: str) -> str:
        """The folder the last export of this kind (video, data, plot) went to; "" before any."""
        return str(self._s.value(f"files/export_folder_{kind}", ""))

    def set_export_folder(self, kind: str, folder: str) -> None:
        self._set(f"files/export_folder_{kind}", folder)

    # window layout
    def state(self, key: str) -> QByteArray | None:
        value = self._s.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_state(self, key: str, value: QByteArray) -> None:
        self._set(f"window/{key}", value)
