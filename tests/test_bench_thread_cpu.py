"""The stall bench's CPU accounting: a thread's CPU is charged to it by name, and the process total holds it."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from posestudio.bench.thread_cpu import ThreadCpu


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread CPU is read from /proc")
def test_a_busy_thread_is_charged_its_cpu_by_name():
    cpu = ThreadCpu()

    def burn() -> None:
        end = time.thread_time() + 0.4
        while time.thread_time() < end:
            pass
        cpu.sample()  # seen before it ends

    worker = threading.Thread(target=burn, name="burner")
    worker.start()
    worker.join()
    cpu.sample()
    groups = cpu.by_group()
    assert 0.3 <= groups["burner"] <= 0.6
    assert groups.get("GUI thread", 0.0) < 0.1  # this (main) thread only waited
    assert cpu.process_seconds >= groups["burner"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread CPU is read from /proc")
def test_sampled_cpu_reads_the_threads_on_its_own_thread_until_stopped():
    from posestudio.bench.thread_cpu import SampledCpu

    sampler = SampledCpu(0.05)
    sampler.start()

    def burn() -> None:
        end = time.thread_time() + 0.4
        while time.thread_time() < end:
            pass
        time.sleep(0.15)  # alive through a sample after it has burnt its CPU

    worker = threading.Thread(target=burn, name="burner")
    worker.start()
    worker.join()
    sampler.stop()
    sampler.join(timeout=5)
    assert not sampler.is_alive()
    groups = sampler.cpu.by_group()
    assert 0.3 <= groups["burner"] <= 0.6   # seen by the periodic samples, none taken here
    assert groups.get("GUI thread", 0.0) < 0.1
