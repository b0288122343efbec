"""Joint and segment angles, their cleaning, velocities and summaries. No Qt here."""

from .angles import (
    BLAZEPOSE33_NAMES,
    COCO17_NAMES,
    DEFAULT_ANGLES,
    VIRTUAL_POINTS,
    AngleDef,
    AngleUnavailableError,
    available_angles,
    compute_angles,
    default_angle,
    facing_direction,
    outside_picture_missing,
    unavailable_reason,
    unwrap_degrees,
)
from .custom import (
    InvalidAngleError,
    angle_from_dict,
    angle_to_dict,
    format_angle,
    make_angle,
    parse_angle,
    resolve_angles,
)
from .filtering import angular_velocity, butterworth, drop_edge_runs, fill_gaps, reject_outliers, smooth
from .sides import fix_side_swaps, side_swaps
from .summary import SUMMARY_KEYS, find_repetitions, gait_cadence, summarise
from .table import AngleTable, angle_table

__all__ = [
    "AngleDef", "AngleTable", "AngleUnavailableError", "BLAZEPOSE33_NAMES", "COCO17_NAMES", "DEFAULT_ANGLES",
    "InvalidAngleError", "SUMMARY_KEYS", "VIRTUAL_POINTS", "angle_from_dict", "angle_table",
    "angle_to_dict", "angular_velocity", "available_angles", "butterworth", "compute_angles",
    "default_angle", "drop_edge_runs", "facing_direction", "fill_gaps", "find_repetitions", "fix_side_swaps",
    "format_angle",
    "gait_cadence", "make_angle", "outside_picture_missing", "parse_angle", 
    "reject_outliers", "resolve_angles", "side_swaps", "smooth", "summarise", "unavailable_reason", "unwrap_degrees",
]
