"""The wheel ships every rule file and hook (editable installs find them too)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from credgate.engine.rules import builtin_dir, builtin_files
from tests.conftest import PROJECT


def test_wheel_contains_every_rule_file_and_hook(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(PROJECT)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    [wheel] = tmp_path.glob("credgate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rule_files = sorted(p.name for p in (PROJECT / "rules").glob("*.toml"))
    assert len(rule_files) >= 10
    for name in rule_files:
        assert f"credgate/rules/{name}" in names, name
    for hook in ("pre-commit", "pre-push", "pre-receive"):
        if (PROJECT / "hooks" / hook).exists():
            assert f"credgate/hooks/{hook}" in names, hook
    assert "credgate/py.typed" in names
    # Every module ships: a package left out of pyproject's list imports fine in an editable install
    # and fails in the wheel that pre-commit installs.
    for module in (PROJECT / "src" / "credgate").rglob("*.py"):
        assert module.relative_to(PROJECT / "src").as_posix() in names, module


def test_installed_package_finds_the_rules() -> None:
    assert Path(builtin_dir()).samefile(PROJECT / "rules")
    assert len(builtin_files()) == len(list((PROJECT / "rules").glob("*.toml")))
