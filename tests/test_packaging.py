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


def test_installed_package_finds_the_rules() -> None:
    assert Path(builtin_dir()).samefile(PROJECT / "rules")
    assert len(builtin_files()) == len(list((PROJECT / "rules").glob("*.toml")))


def test_every_package_under_src_is_listed_for_the_wheel() -> None:
    """A subpackage missing from [tool.setuptools] packages works in an editable install and is absent
    from the wheel that pre-commit and pip install, where importing it fails closed (exit 3)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    src = PROJECT / "src"
    found = {
        ".".join(init.parent.relative_to(src).parts)
        for init in src.glob("credgate/**/__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, sorted(found - listed)
