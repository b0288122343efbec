"""User-defined angles: built from keypoint names, stored as a dict (settings) or a one-line text (CLI).

Text form, spaces ignored::

    NAME=A,B,C              angle at B between A and C, 0..180          (three_point)
    NAME=A>B,C>D            angle between segment A->B and C->D, 0..180 (segment_pair)
    NAME=A>B                segment A->B vs horizontal, signed           (segment; also NAME=A>B,horizontal)
    NAME=A>B,vertical       segment A->B vs vertical, signed by facing   (vertical)

An optional ``;offset=90`` subtracts a constant (the built-in ankle angle uses it).
Example: ``posestudio analyze clip.mp4 --angles left_knee,knee_abs=left_hip,left_knee,left_ankle``.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from posestudio.core.errors import PoseStudioError

from .angles import DEFAULT_ANGLES, KEYPOINT_COUNT, KINDS, KNOWN_POINTS, AngleDef, AngleUnavailableError, default_angle

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BUILTIN = {a.name for a in DEFAULT_ANGLES}


class InvalidAngleError(PoseStudioError):
    """A custom angle definition cannot be understood."""


def _default_convention(kind: str, kp: tuple[str, ...]) -> str:
    if kind == "three_point":
        return f"angle at {kp[1]} between {kp[0]} and {kp[2]}, 0 to 180"
    if kind == "segment_pair":
        return f"angle between {kp[0]}->{kp[1]} and {kp[2]}->{kp[3]}, 0 = same direction"
    if kind == "segment":
        return f"{kp[0]} to {kp[1]} vs horizontal, counter-clockwise positive (y up), unwrapped"
    return f"{kp[0]} to {kp[1]} vs vertical, + towards the facing side, unwrapped"


def make_angle(name: str, kind: str, keypoints: Iterable[str], convention: str | None = None,
               offset: float = 0.0, allow_builtin_name: bool = False) -> AngleDef:
    """A validated AngleDef; raises InvalidAngleError with a sentence saying what to fix."""
    name = str(name).strip()
    kp = tuple(str(k).strip() for k in keypoints)
    if not _NAME.match(name):
        raise InvalidAngleError(
            f"'{name}' is not a usable angle name; use letters, digits and underscores, starting with a letter.")
    if kind not in KINDS:
        raise InvalidAngleError(f"'{kind}' is not an angle kind; use one of {', '.join(KINDS)}.")
    if len(kp) != KEYPOINT_COUNT[kind]:
        raise InvalidAngleError(f"A {kind.replace('_', ' ')} angle needs {KEYPOINT_COUNT[kind]} keypoints, "
                                f"'{name}' has {len(kp)}.")
    unknown = [k for k in kp if k not in KNOWN_POINTS]
    if unknown:
        raise InvalidAngleError(f"'{unknown[0]}' is not a keypoint name; use names such as left_knee or "
                                f"hip_center (COCO and BlazePose names).")
    segments = [kp[i:i + 2] for i in range(0, len(kp), 2)] if kind != "three_point" else [kp[:2], kp[1:]]
    if any(a == b for a, b in segments):
        raise InvalidAngleError(f"The angle '{name}' uses the same keypoint at both ends of a segment; "
                                f"pick two different points.")
    if name in _BUILTIN and not allow_builtin_name:
        builtin = default_angle(name)
        if (builtin.kind, builtin.keypoints, builtin.offset) != (kind, kp, float(offset)):
            raise InvalidAngleError(f"'{name}' is a built-in angle; pick another name for the custom angle.")
        return builtin
    signed = kind in ("segment", "vertical")
    return AngleDef(name, kind, kp, convention or _default_convention(kind, kp), signed, float(offset))


def angle_to_dict(angle: AngleDef) -> dict:
    """Plain dict (JSON / QSettings friendly) holding every field."""
    return {"name": angle.name, "kind": angle.kind, "keypoints": list(angle.keypoints),
            "convention": angle.convention, "signed": angle.signed, "offset": angle.offset}


def angle_from_dict(data: Mapping) -> AngleDef:
    try:
        name, kind, keypoints = data["name"], data["kind"], data["keypoints"]
    except (KeyError, TypeError):
        raise InvalidAngleError("A saved custom angle is incomplete; define it again.") from None
    angle = make_angle(name, kind, keypoints, data.get("convention"), data.get("offset", 0.0),
                       allow_builtin_name=True)
    return angle


def format_angle(angle: AngleDef) -> str:
    """The one-line text form (see the module doc); parse_angle gives the same definition back."""
    kp = angle.keypoints
    if angle.kind == "three_point":
        body = ",".join(kp)
    elif angle.kind == "segment_pair":
        body = f"{kp[0]}>{kp[1]},{kp[2]}>{kp[3]}"
    elif angle.kind == "segment":
        body = f"{kp[0]}>{kp[1]}"
    else:
        body = f"{kp[0]}>{kp[1]},vertical"
    if angle.offset:
        body += f";offset={angle.offset:g}"
    return f"{angle.name}={body}"


def parse_angle(text: str, custom: Iterable[AngleDef] = ()) -> AngleDef:
    """An AngleDef from a built-in name, a saved custom angle's name, or a definition 'NAME=...'."""
    text = re.sub(r"\s+", "", str(text))
    if "=" not in text:
        custom = list(custom)
        for a in custom:
            if a.name == text:
                return a
        if custom and text not in {a.name for a in DEFAULT_ANGLES}:
            raise AngleUnavailableError(
                f"There is no angle called '{text}'; use a built-in one ({', '.join(a.name for a in DEFAULT_ANGLES)}),"
                f" a saved custom one ({', '.join(a.name for a in custom)}) or define it as NAME=A,B,C.")
        return default_angle(text)
    name, _, body = text.partition("=")
    body, _, options = body.partition(";")
    offset = 0.0
    for opt in filter(None, options.split(";")):
        key, _, value = opt.partition("=")
        try:
            if key != "offset":
                raise ValueError
            offset = float(value)
        except ValueError:
            raise InvalidAngleError(f"'{opt}' in the angle '{name}' is not understood; only offset=NUMBER is.") \
                from None
    parts = body.split(",")
    if all(">" not in p for p in parts):
        return make_angle(name, "three_point", parts, offset=offset)
    segs = [p.split(">") for p in parts if p not in ("vertical", "horizontal")]
    refs = [p for p in parts if p in ("vertical", "horizontal")]
    if any(len(s) != 2 for s in segs) or len(refs) > 1 or len(segs) + len(refs) != len(parts):
        raise InvalidAngleError(f"The angle definition '{text}' is not understood; write NAME=A,B,C or "
                                f"NAME=A>B,C>D or NAME=A>B,vertical.")
    if len(segs) == 2 and not refs:
        return make_angle(name, "segment_pair", segs[0] + segs[1], offset=offset)
    if len(segs) == 1:
        kind = "vertical" if refs == ["vertical"] else "segment"
        return make_angle(name, kind, segs[0], offset=offset)
    raise InvalidAngleError(f"The angle definition '{text}' is not understood; write NAME=A,B,C or "
                            f"NAME=A>B,C>D or NAME=A>B,vertical.")


def resolve_angles(items: Iterable[str | AngleDef] | str, custom: Iterable[AngleDef] = ()) -> list[AngleDef]:
    """AngleDefs for a CLI/settings list: names (built-in or custom), definitions, or AngleDefs.

    A single string is split on commas between entries ('left_knee,right_knee' or
    'left_knee,k=left_hip,left_knee,left_ankle': a definition's own commas stay with it).
    """
    custom = list(custom)
    if isinstance(items, str):
        items = _split_list(items)
    out: list[AngleDef] = []
    for item in items:
        angle = item if isinstance(item, AngleDef) else parse_angle(item, custom)
        if any(a.name == angle.name for a in out):
            continue
        out.append(angle)
    return out


def _split_list(text: str) -> list[str]:
    entries: list[str] = []
    for token in re.sub(r"\s+", "", text).split(","):
        if token and entries and _wants_more(entries[-1], token):
            entries[-1] += "," + token
        elif token:
            entries.append(token)
    return entries


def _wants_more(entry: str, token: str) -> bool:
    """Whether `token` continues the definition `entry` (angle and keypoint names overlap, so count parts)."""
    if "=" not in entry or "=" in token.split(";")[0]:
        return False
    parts = entry.partition("=")[2].split(";")[0].split(",")
    head = token.split(";")[0]
    if ">" in parts[0]:
        return len(parts) == 1 and (">" in head or head in ("vertical", "horizontal"))
    return len(parts) < 3 and head in KNOWN_POINTS
