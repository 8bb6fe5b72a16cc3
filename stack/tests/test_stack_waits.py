"""stack.sh's wait for health (wait_until in stack/native/lib/common.sh) with real processes.

A component that exits while `up` waits for its service is started again once when the caller
names a start function (WAIT_RESTART), as the Airflow waits do: after a PostgreSQL outage a
component can still be shutting down when `up` counts it as running, then exit under `up`.
A component that exits again ends `up` with its name and log. The processes are plain shell
commands started by the stack's own start_bg, in a state folder of their own.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

COMMON = Path(__file__).resolve().parents[1] / "native" / "lib" / "common.sh"

# The component's first run exits after 1 s (a component that was shutting down); what the start
# function starts then depends on the test. The health check is a file the healthy run writes.
SCRIPT = r"""
set -euo pipefail
source "$COMMON"
mkdir -p "$KAW_LOG_DIR" "$KAW_PID_DIR"
start_bg flaky sh -c 'sleep 1; echo "flaky: lost its database connection, exiting"; exit 3'
start_flaky() {
  if [[ "$SECOND_RUN" == healthy ]]; then
    start_bg flaky sh -c "touch '$STATE/healthy'; echo 'flaky: up'; exec sleep 60"
  else
    start_bg flaky sh -c 'sleep 1; echo "flaky: exits again"; exit 4'
  fi
}
trap 'stop_bg flaky TERM 5 group' EXIT
healthy() { [[ -f "$STATE/healthy" ]]; }
WAIT_RESTART=${RESTART:-} wait_until "flaky service" 30 "$(log_file flaky)" flaky healthy
echo "wait ended: healthy"
"""


def run_wait(tmp_path: Path, second_run: str, restart: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COMMON": str(COMMON),
        "STATE": str(tmp_path),
        "KAW_STATE": str(tmp_path / "state"),
        "KAW_CACHE": str(tmp_path / "cache"),
        "SECOND_RUN": second_run,
        "RESTART": restart,
    }
    return subprocess.run(["bash", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)


def test_a_component_that_exits_during_the_wait_is_started_again_once(tmp_path: Path) -> None:
    result = run_wait(tmp_path, "healthy", "start_flaky")
    assert result.returncode == 0, result.stderr
    assert "wait ended: healthy" in result.stdout
    assert "flaky exited while waiting for flaky service" in result.stderr
    assert "starting it again once" in result.stderr
    # The log's last lines are shown before the restart, so the user sees why it exited.
    assert "lost its database connection" in result.stderr
    assert "flaky service is healthy after" in result.stderr


def test_a_component_that_exits_again_ends_the_wait_with_its_name_and_log(tmp_path: Path) -> None:
    result = run_wait(tmp_path, "dies", "start_flaky")
    assert result.returncode != 0
    assert "wait ended" not in result.stdout
    assert "flaky exited (after flaky was started again) while waiting for flaky service" in result.stderr
    assert "exits again" in result.stderr
    assert str(tmp_path / "state" / "logs" / "flaky.log") in result.stderr


def test_without_a_start_function_the_first_exit_ends_the_wait(tmp_path: Path) -> None:
    result = run_wait(tmp_path, "healthy", "")
    assert result.returncode != 0
    assert "starting it again" not in result.stderr
    assert "flaky exited while waiting for flaky service" in result.stderr
    assert not (tmp_path / "healthy").exists()
