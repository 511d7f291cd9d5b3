"""output/setup.py: the text of `credgate init`, from the gate's notes."""

from __future__ import annotations

import io

from credgate.gate.hooks import Step
from credgate.gate.setup import Note, Outcome
from credgate.gate.setup_recipes import Source
from credgate.migrate import Fingerprint, Migration
from credgate.output import setup as text


def render(o: Outcome, mig: Migration | None = None) -> str:
    out = io.StringIO()
    text.write(o, mig or Migration(), out)
    return out.getvalue()


def test_top_lines_are_prefixed_nested_lines_indented_and_the_verdict_follows() -> None:
    o = Outcome()
    o.say("precommit-wrote", source=Source("https://h/credgate", "0123456789abcdef" * 2 + "01234567"))
    o.say("plain-installed", steps=[Step("installed", "pre-commit", "/r/.git/hooks/pre-commit")])
    assert render(o) == (
        "credgate: wrote .pre-commit-config.yaml with the four credgate hooks (https://h/credgate at "
        "0123456789ab)\n"
        "credgate: pre-commit (the framework) is not installed: installed credgate's plain git hooks\n"
        "  installed pre-commit hook in /r/.git/hooks/pre-commit\n"
        "credgate: done; commit the files it wrote (git add -A && git commit)\n"
    )


def test_a_refused_step_makes_the_verdict_name_what_is_left() -> None:
    o = Outcome()
    o.refuse("github-differs")
    o.say("gitignore-unchanged")
    lines = render(o).splitlines()
    assert lines[0].startswith("credgate: left alone .github/workflows/credgate.yml")
    assert lines[-1] == "credgate: 1 step(s) were left for you (see above); the rest is done"


def test_a_path_from_the_repository_is_escaped() -> None:
    fp = Fingerprint(commit="", path="a\x1b[2Jb.py", rule="x", line=3, text=".gitleaksignore:1")
    line = text.note_lines(Note("fingerprint-no-file", {"fp": fp, "path": fp.path}))[0]
    assert "\x1b" not in line and "b.py:3" in line


def test_the_migration_summary_comes_after_the_steps() -> None:
    mig = Migration(sources=[".gitleaks.toml"], converted=["rule a -> exclude"], not_converted=["b\x07"])
    out = render(Outcome(), mig)
    assert out.splitlines()[:3] == [
        "credgate: migration from .gitleaks.toml:",
        "  converted: rule a -> exclude",
        "  not converted: b\\x07",
    ]
