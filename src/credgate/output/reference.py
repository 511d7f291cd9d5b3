"""The generated parts of the reference in docs/: every setting and every rule, from their registries.

`python -m credgate.output.reference DOCS_DIR` rewrites the generated blocks in place;
`--check` exits 1 when a committed file is stale (a test runs it). Generated text sits between
`<!-- generated: NAME -->` and `<!-- end generated -->`, so the prose around it stays hand-written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable

from credgate.config import SETTINGS
from credgate.engine.rules import load


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_table() -> str:
    rows = ["| setting | type | default | meaning |", "| --- | --- | --- | --- |"]
    for key, (kind, default, meaning) in SETTINGS.items():
        rows.append(f"| `{key}` | {_cell(kind)} | `{default}` | {_cell(meaning)} |")
    return "\n".join(rows)


def rules_table() -> str:
    ruleset = load()
    visible = sorted((r for r in ruleset.rules if r.visible), key=lambda r: r.id)
    rows = [
        f"{len(visible)} rules ship with credgate (`credgate rules list` prints them; `credgate rules check`"
        " runs each against its own examples).",
        "",
        "| id | name | severity | confidence | file |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in visible:
        rows.append(f"| `{r.id}` | {_cell(r.name)} | {r.severity} | {r.confidence} | `rules/{r.origin}` |")
    return "\n".join(rows)


GENERATED: dict[str, tuple[str, Callable[[], str]]] = {
    "settings": ("configuration.md", settings_table),
    "rules": ("rules.md", rules_table),
}
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in GENERATED:
            return m.group(0)
        return f"{m.group(1)}{GENERATED[name][1]()}\n{m.group(4)}"

    return _BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    docs = Path(args[0] if args else "docs")
    stale = []
    for name, (filename, _) in GENERATED.items():
        path = docs / filename
        if not path.is_file() or f"<!-- generated: {name} -->" not in path.read_text():
            print(f"{path}: no `<!-- generated: {name} -->` block", file=sys.stderr)
            return 2
        text = path.read_text()
        new = render(text)
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new)
    if check and stale:
        print(f"stale: {', '.join(stale)}; run `python -m credgate.output.reference docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
