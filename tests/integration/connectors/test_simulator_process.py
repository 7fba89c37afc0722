"""`python -m connectors.simulator`: health, `PORT`, clean stop, configuration errors."""

from __future__ import annotations

import subprocess
import sys

from tests.support.processes import ROOT
from tests.support.simulator import SimulatorProcess


def test_the_simulator_runs_as_a_process_on_port_and_stops_on_sigterm(tmp_path):
    simulator = SimulatorProcess(tmp_path / "simulator.log").start()
    try:
        body = simulator.wait_healthy()
        simulator.terminate()
        assert simulator.wait(timeout=15) == 0, simulator.output()
    finally:
        simulator.stop()

    assert body["status"] == "ok"
    assert body["service"] == "simulator"


def test_a_bad_setting_exits_2_naming_the_variable():
    result = subprocess.run(
        [sys.executable, "-m", "connectors.simulator"],
        cwd=ROOT,
        env={"SIMULATOR_SEED": "not-a-number", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: SEED")
