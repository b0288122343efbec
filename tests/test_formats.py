"""The one list of file formats: what the command line offers and refuses, and what the save dialog lists."""

from __future__ import annotations

import pytest

from posestudio.core.errors import DataExportError
from posestudio.core.io import formats


def test_the_command_line_choices_come_from_the_registry():
    from posestudio.cli import analyze_cmd, export_cmd

    assert analyze_cmd.FORMATS == (".json", ".csv", ".npz")
    assert export_cmd.DATA_FORMATS == (".csv", ".json", ".trc")
    assert formats.named(formats.ANALYSIS) == ".json, .csv or .npz"
    assert formats.named(formats.DATA, dots=False) == "csv, json or trc"


def test_dialog_filters_name_each_layout_once():
    filters = formats.dialog_filters(formats.DATA)
    assert list(filters) == ["Spreadsheet CSV, one row per frame (*.csv)",
                             "Long (tidy) CSV: frame, time_s, person, variable, value (*.csv)",
                             "JSON, as `posestudio analyze` writes (*.json)",
                             "OpenSim markers TRC, pixels with Y up (*.trc)"]
    assert [f.long for f in filters.values()] == [False, True, False, False]


@pytest.mark.parametrize("name, long, words", [
    ("run.xlsx", False, "Cannot write '.xlsx' data files; name the output .csv, .json or .trc."),
    ("run", False, "Cannot write 'run' data files"),
    ("run.json", True, "The long (tidy) layout is for CSV files"),
])
def test_a_format_that_is_not_offered_is_one_sentence(name, long, words):
    with pytest.raises(DataExportError) as err:
        formats.format_for(name, formats.DATA, long=long, what="data files")
    assert str(err.value).startswith(words) and "\n" not in str(err.value)


def test_each_suffix_picks_its_writer():
    assert formats.format_for("a.CSV", formats.DATA) is formats.CSV
    assert formats.format_for("a.csv", formats.DATA, long=True) is formats.LONG_CSV
    assert formats.format_for("a.npz", formats.ANALYSIS) is formats.NPZ
    with pytest.raises(DataExportError):
        formats.format_for("a.npz", formats.DATA)
