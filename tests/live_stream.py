"""Serve a real clip as a live MPEG-TS stream on 127.0.0.1 for the live tests, and always tear it down.

The server is posestudio.bench.stream_serve in a subprocess (remuxed packets, paced by their timestamps).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

from posestudio.bench.stream_serve import free_port, listening


@contextlib.contextmanager
def served(clip: Path, seconds: float, protocol: str = "tcp", ready_timeout: float = 20.0, delay: float = 0.0,
           loop: bool = False):
    """Yield (url, process) while `clip` streams for `seconds`; a tcp server is listening when this yields,
    the clip starts again at its end with `loop`; a udp one starts sending after `delay` seconds (open the receiver before that: a late one waits for
    the clip's next keyframe, which can be seconds away)."""
    port = free_port()
    url = f"{protocol}://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "posestudio.bench.stream_serve", str(clip), url,
                             "--seconds", str(seconds), "--delay", str(delay)] + (["--loop"] if loop else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if protocol == "tcp":
            deadline = time.monotonic() + ready_timeout
            while not listening(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the test stream server did not start: {proc.stderr.read().decode()}")
                time.sleep(0.05)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stderr.close()
