"""Every README and docs/ snippet works as pasted.

YAML parses and names hooks `.pre-commit-hooks.yaml` defines, pinned to a commit (no release tag exists);
shell parses, and each `credgate` command in it (and in inline code) names a real subcommand and real
options; every install command is one that works without credgate on the package index; the TOML config
example loads.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from typing import Any, Iterator

import click
import pytest
import yaml

from credgate import config
from credgate.cli import cli
from tests.conftest import PROJECT

# The README and the reference under docs/ are read as one text: every snippet in either must work as pasted.
README = "\n".join(p.read_text() for p in [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))])
HOOK_IDS = {h["id"] for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
_SHA = re.compile(r"^[0-9a-f]{40}$")


def blocks(lang: str) -> list[str]:
    return [m.group(1) for m in re.finditer(rf"```{lang}\n(.*?)```", README, re.S)]


def commands(script: str) -> Iterator[list[str]]:
    """Each simple command of a shell script, as words (comments and redirections dropped)."""
    for line in script.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        current: list[str] = []
        for w in words + [";"]:
            if w in ("&&", "||", ";", "|"):
                if current:
                    yield current
                current = []
            elif w.startswith(">") or w.startswith("2>"):
                continue
            else:
                current.append(w)


def check_credgate(words: list[str], where: str) -> None:
    """`credgate SUB [opts]`: the subcommand exists and so does every option."""
    cmd: click.Command = cli
    args = words[1:]
    ctx = click.Context(cli)
    while isinstance(cmd, click.Group) and args and not args[0].startswith("-"):
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, f"{where}: `{' '.join(words)}`: no command {args[0]!r}"
        cmd, args = sub, args[1:]
    opts = {"--help", "-h"}
    for p in cmd.params:
        opts.update(getattr(p, "opts", []))
        opts.update(getattr(p, "secondary_opts", []))
    if cmd is cli:
        opts.add("--version")
    for a in args:
        if a == "--":
            break
        if a.startswith("-") and a != "-":
            name = a.split("=", 1)[0]
            assert name in opts, f"{where}: `{' '.join(words)}`: {cmd.name} has no option {name}"


_INSTALLABLE = re.compile(r"^(\.|\.\[[a-z,]+\]|.*git\+https?://\S+@[0-9a-f]{40}|git-filter-repo|pre-commit)$")


def check_install(words: list[str], where: str) -> None:
    """pip / pipx install: credgate is not on the package index, so from a checkout or a pinned git URL."""
    i = next(i for i, w in enumerate(words) if w == "install")
    for w in words[i + 1 :]:
        if w.startswith("-"):
            continue
        assert _INSTALLABLE.match(w), f"{where}: `{' '.join(words)}`: {w!r} cannot be installed like that"


def check_script(script: str, where: str) -> None:
    for words in commands(script):
        head = words[0].rsplit("/", 1)[-1]
        if head == "credgate":
            check_credgate(words, where)
        elif "install" in words and (head in ("pip", "pipx", "pip3") or words[1:3] == ["-m", "pip"]):
            check_install(words, where)


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def test_readme_has_the_snippets_this_test_reads() -> None:
    assert len(blocks("yaml")) >= 5 and len(blocks("sh")) >= 3 and blocks("toml")


def check_yaml(text: str, where: str) -> None:
    doc = yaml.safe_load(text)
    for node in walk(doc):
        if not isinstance(node, dict):
            continue
        hid = node.get("id")
        if isinstance(hid, str) and hid.startswith("credgate"):
            assert hid in HOOK_IDS, f"{where}: hook id {hid} is not in .pre-commit-hooks.yaml"
        if "repo" in node and node["repo"] != "local" and "credgate" in str(node["repo"]):
            assert _SHA.match(str(node.get("rev", ""))), f"{where}: rev must be a commit id"
        uses = node.get("uses")
        if isinstance(uses, str) and "credgate" in uses:
            assert _SHA.match(uses.rsplit("@", 1)[-1]), f"{where}: {uses} is not pinned to a commit"
        for key in ("run", "script", "before_script"):
            value = node.get(key)
            for line in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
                check_script(str(line), where)


@pytest.mark.parametrize("n", range(len(blocks("yaml"))))
def test_yaml_snippets_parse_and_name_real_pinned_hooks(n: int) -> None:
    check_yaml(blocks("yaml")[n], f"README yaml #{n}")


@pytest.mark.parametrize("n", range(len(blocks("sh"))))
def test_shell_snippets_parse_and_run_real_commands(n: int) -> None:
    text = blocks("sh")[n]
    parsed = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    check_script(text, f"README sh #{n}")


def test_inline_credgate_commands_exist() -> None:
    spans = re.findall(r"`((?:\.venv/bin/)?credgate [^`]+)`", README)
    assert len(spans) > 20
    for span in spans:
        if "..." in span or "<" in span or "{" in span:
            continue  # a pattern, not a command
        check_script(span, f"README `{span}`")
    for span in re.findall(r"`((?:pip|pipx) install [^`]+)`", README):
        check_script(span, f"README `{span}`")


def test_the_config_example_loads() -> None:
    for text in blocks("toml"):
        config.parse(text, "README.md")


def test_the_checker_rejects_what_the_issue_found() -> None:
    with pytest.raises(AssertionError):
        check_script("pip install credgate", "t")
    with pytest.raises(AssertionError):
        check_script("pipx install credgate", "t")
    with pytest.raises(AssertionError):
        check_script("credgate scan --no-such-option .", "t")
    with pytest.raises(AssertionError):
        check_script("credgate frobnicate", "t")
    for bad in (
        "repos:\n  - repo: https://h/credgate\n    rev: v0.1.0\n    hooks: [{id: credgate-secrets}]\n",
        "repos:\n  - repo: local\n    hooks: [{id: credgate-nope}]\n",
        "steps:\n  - uses: your-org/credgate@v0.1.0\n",
        "job:\n  script:\n    - pip install credgate\n",
    ):
        with pytest.raises(AssertionError):
            check_yaml(bad, "t")
    check_script('pipx install "git+https://h/credgate@' + "ab" * 20 + '"', "t")
    check_script("credgate rules check --rules x.toml", "t")
