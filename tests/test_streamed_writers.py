"""JSON and TRC files are written a frame at a time: the same bytes as the whole document built at once, and
memory that does not grow with the clip (measured with tracemalloc on a synthetic result)."""

from __future__ import annotations

import pytest
import json
import tracemalloc

import numpy as np

from posestudio.bench.memory_write import synthetic_result
from posestudio.core.analysis.person_angles import angle_columns, angle_settings
from posestudio.core.io.json_format import to_json_dict, write_json
from posestudio.core.io.trc import write_trc


def test_streamed_json_is_the_whole_document_byte_for_byte(tmp_path):
    result = synthetic_result(400)
    result.left_out = np.zeros(result.keypoints.shape[:3], dtype=bool)
    result.left_out[10:20, 0, 5] = True
    extra, _ = angle_columns(result)
    for args in ((None, None), (extra, angle_settings())):
        whole = json.dumps(to_json_dict(result, *args), separators=(",", ":"), allow_nan=False)
        assert write_json(result, tmp_path / "run.json", *args).read_text(encoding="utf-8") == whole
    empty = synthetic_result(0)
    assert json.loads(write_json(empty, tmp_path / "empty.json").read_text())["frames"] == []


def _peak_while(write) -> float:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_writing_does_not_hold_the_document(tmp_path):
    """Ten times the frames must not need ten times the memory (a document built whole would: about 5 kB a
    frame for 33 keypoints)."""
    short, long = synthetic_result(500), synthetic_result(5000)
    for write in (lambda r, p: write_json(r, p), lambda r, p: write_trc(r, p)):
        write(short, tmp_path / "warm")  # imports and first-call caches are not the writer's growth
        a = _peak_while(lambda: write(short, tmp_path / "short"))
        b = _peak_while(lambda: write(long, tmp_path / "long"))
        # TRC converts the person's track to float64 arrays first (F x 33 x 3 x 8 bytes, twice): allowed
        arrays = 2 * long.keypoints[:, 0].size * 8 / 1e6
        assert b - a < 2.0 + arrays, (a, b)
