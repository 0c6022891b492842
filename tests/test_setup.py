"""A newcomer's second command: README's test command sets a fresh Debian/Ubuntu machine up,
CI runs exactly it, and a missing system package is named, not hidden in a traceback."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from benchmarks.photos import FONT_FILES, MissingFontError, load_fonts
from tests.conftest import REPO_ROOT
from tests.test_playground_browser import CHROMIUM_PACKAGES


def _code_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", markdown, re.DOTALL)]


def _listed(script: str, name: str) -> list[str]:
    """The words of the bash array ``name=(...)`` in scripts/test."""
    listed = re.search(rf"^{name}=\((.*?)\)$", script, re.MULTILINE)
    assert listed, f"scripts/test has no {name}"
    return shlex.split(listed[1])


def test_readme_second_command_is_the_setup_script_ci_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    second = _code_blocks(readme)[1]
    assert second == "scripts/test"
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert commands == [second], "CI must run exactly README's test command"


def test_setup_script_installs_system_packages_venv_and_runs_pytest() -> None:
    script_path = REPO_ROOT / "scripts" / "test"
    assert script_path.stat().st_mode & 0o111, "scripts/test is not executable"
    script = script_path.read_text(encoding="utf-8")
    packages = set(_listed(script, "apt_packages"))
    assert set(FONT_FILES.values()) | {"python3-venv", "postgresql", "caddy"} <= packages
    assert "apt-get install" in script
    assert ".venv/bin/pip install" in script
    assert '".[train,dev]"' in script
    assert script.rstrip().endswith('.venv/bin/python -m pytest "$@"')


def test_setup_script_installs_the_chromium_package_the_browser_test_looks_for() -> None:
    """Ubuntu has no ``chromium`` deb, only ``chromium-browser``: the script takes the first
    package apt can install, and the browser test looks for either binary, in the same order."""
    script = (REPO_ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert tuple(_listed(script, "browser_packages")) == CHROMIUM_PACKAGES
    assert 'apt-cache policy "$1"' in script


def test_readme_first_paragraph_names_python3_venv() -> None:
    """Stock Debian and Ubuntu fail ``python3 -m venv`` without it: README's first command
    needs it said before a newcomer runs it."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_command = readme.index("```sh")
    assert "python3-venv" in readme[:first_command]


def test_readme_runs_tools_from_the_venv() -> None:
    """Outside the venv a bare ``python -m recognizer`` fails; README must not suggest it.
    (The Docker image's HEALTHCHECK runs inside the image, whose PATH leads to its venv.)"""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    pattern = r"(?<![/\w])python -m (?:recognizer|training|bot)\b(?! --healthcheck)"
    bare = re.findall(pattern, readme)
    assert bare == []


def test_a_missing_font_names_its_debian_package(tmp_path: Path) -> None:
    missing = {tmp_path / "nowhere.ttf": "fonts-dkg-handwriting"}
    with pytest.raises(MissingFontError, match="apt-get install fonts-dkg-handwriting"):
        load_fonts(missing)


def test_the_installed_fonts_load() -> None:
    assert len(load_fonts(size=20)) == len(FONT_FILES)


def _stub(path: Path, body: str) -> None:
    path.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.mark.parametrize("venv", ["3.11 or newer", "older", "without its python"])
def test_setup_script_makes_a_venv_of_an_older_python_again(tmp_path: Path, venv: str) -> None:
    """A .venv that README's first command made with Ubuntu 22.04's python3 (3.10), or whose
    Python is gone, cannot install the project; scripts/test makes it again and keeps one that
    is new enough. The real script runs in a copy of the checkout, with apt's tools, python3
    and the venv's python and pip stubbed on PATH: each stub notes its call, and apt's
    installers fail loudly (nothing is missing)."""
    checkout, bin_dir, calls = tmp_path / "checkout", tmp_path / "bin", tmp_path / "calls"
    (checkout / "scripts").mkdir(parents=True)
    (checkout / "scripts" / "test").write_bytes((REPO_ROOT / "scripts" / "test").read_bytes())
    (checkout / "scripts" / "test").chmod(0o755)
    bin_dir.mkdir()
    _stub(bin_dir / "dpkg-query", "echo 'install ok installed'")
    for tool in ("sudo", "apt-get", "apt-cache"):
        _stub(bin_dir / tool, f'echo "{tool} must not run" >&2; exit 97')
    _stub(
        bin_dir / "python3",
        f"""echo "python3 $*" >> {calls}
if [ "$1 $2" = "-m venv" ]; then
    mkdir -p "$3/bin"
    printf '#!/usr/bin/env bash\\necho "new-venv-python $*" >> {calls}\\n' > "$3/bin/python"
    printf '#!/usr/bin/env bash\\necho "pip $*" >> {calls}\\n' > "$3/bin/pip"
    chmod +x "$3/bin/python" "$3/bin/pip"
fi""",
    )
    (checkout / ".venv" / "bin").mkdir(parents=True)
    if venv != "without its python":
        exit_code = 0 if venv == "3.11 or newer" else 1
        _stub(
            checkout / ".venv" / "bin" / "python",
            f'echo "venv-python $*" >> {calls}; exit {exit_code}',
        )
    _stub(checkout / ".venv" / "bin" / "pip", f'echo "pip $*" >> {calls}')
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(checkout / "scripts" / "test"), "-q"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    noted = calls.read_text(encoding="utf-8").splitlines()
    kept = venv == "3.11 or newer"
    assert ("python3 -m venv .venv" in noted) is not kept, noted
    assert ("making it again" in done.stderr) is not kept
    runner = "venv-python" if kept else "new-venv-python"
    assert noted[-1] == f"{runner} -m pytest -q"
