"""The layering the project keeps: sizes, and who may import whom.

Read from the source with `ast`, so a violation names the module and line. The limits are the architecture
issue's acceptance: no module over 500 lines, no command module over 250, no command importing another, the
engine pure (no click, git, gitio, gate or output), the git layer free of output, gate/ free of click.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT

SRC = PROJECT / "src" / "credgate"
MODULES = sorted(p for p in SRC.rglob("*.py"))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")


def _type_only(tree: ast.Module) -> set[int]:
    """Lines inside `if TYPE_CHECKING:` blocks: a type named there is not a dependency at run time."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    type_only = _type_only(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in type_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _name(path) if path.name == "__init__.py" else _name(path).rsplit(".", 1)[0]
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def _violations(prefix: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in MODULES:
        if not _name(path).startswith(prefix):
            continue
        for line, name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden) and not any(
                name == a or name.startswith(a + ".") for a in allowed
            ):
                bad.append(f"{path.relative_to(PROJECT)}:{line} imports {name}")
    return bad


def test_no_module_over_500_lines_and_no_command_over_250() -> None:
    too_long = []
    for path in MODULES:
        n = len(path.read_text().splitlines())
        limit = 250 if path.parent.name == "commands" else 500
        if n > limit:
            too_long.append(f"{path.relative_to(PROJECT)}: {n} lines (limit {limit})")
    assert not too_long, "\n".join(too_long)


def test_no_command_imports_another_command() -> None:
    bad = []
    for path in MODULES:
        if path.parent.name != "commands" or path.name == "__init__.py":
            continue
        own = _name(path)
        for line, name in _imports(path):
            if not name.startswith("credgate.commands."):
                continue
            other = name.split(".")[2]
            if other not in ("_options", own.rsplit(".", 1)[-1]):
                bad.append(f"{path.relative_to(PROJECT)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (
            "credgate.engine",
            ("click", "git", "credgate.gitio", "credgate.gate", "credgate.output", "credgate.commands"),
        ),
        (
            "credgate.gitio",
            ("click", "credgate.output", "credgate.report", "credgate.gate", "credgate.commands"),
        ),
        ("credgate.gate", ("click", "credgate.output", "credgate.commands")),
        ("credgate.baseline", ("click", "credgate.output", "credgate.commands")),
        ("credgate.output", ("click", "credgate.gitio", "credgate.commands")),
    ],
)
def test_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...]) -> None:
    # The history walk ticks a progress counter that output draws; it formats nothing itself.
    allowed = ("credgate.output.progress",) if layer == "credgate.gate" else ()
    bad = _violations(layer, forbidden, allowed)
    assert not bad, "\n".join(bad)


def test_one_probe_definition() -> None:
    defs = [
        f"{p.relative_to(PROJECT)}:{node.lineno}"
        for p in MODULES
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "probe_dirs"
    ]
    assert len(defs) == 1, defs


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from credgate.commands import scan\nimport click\n")
    assert (1, "credgate.commands.scan") in _imports(bad)
    assert (2, "click") in _imports(bad)


def _lazy_tables(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(the TYPE_CHECKING imports, the table given to credgate._lazy.exports) of a package's __init__."""
    tree = ast.parse(path.read_text())
    static: dict[str, set[str]] = {}
    table: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                if isinstance(child, ast.ImportFrom) and child.module:
                    names = static.setdefault(child.module.rsplit(".", 1)[-1], set())
                    names.update(a.name for a in child.names)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "_lazy.exports":
            literal = ast.literal_eval(node.args[2])
            table = {module: set(names) for module, names in literal.items()}
    return static, table


@pytest.mark.parametrize("package", ["credgate.gitio", "credgate.baseline"])
def test_lazy_package_names_are_the_ones_mypy_sees(package: str) -> None:
    # The commit hook imports these packages without the submodules it does not use; every name they
    # export still resolves, to the same object, and mypy checks callers against the same imports.
    import importlib

    path = SRC.parent / package.replace(".", "/") / "__init__.py"
    static, table = _lazy_tables(path)
    assert table and static == table
    module = importlib.import_module(package)
    for sub, names in table.items():
        for name in names:
            assert getattr(module, name) is getattr(importlib.import_module(f"{package}.{sub}"), name)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
