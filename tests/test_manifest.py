"""One hook id = one command module = one test module = one README section."""

from __future__ import annotations

import re

import yaml  # pre-commit depends on PyYAML, so the test environment has it

from credgate.cli import COMMANDS, cli
from tests.conftest import PROJECT


def hooks() -> list[dict[str, object]]:
    return yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())  # type: ignore[no-any-return]


def test_every_hook_has_a_command_a_test_module_and_a_readme_section() -> None:
    readme = (PROJECT / "README.md").read_text()
    for hook in hooks():
        hook_id = str(hook["id"])
        entry = str(hook["entry"]).split()
        assert entry[0] == "credgate", hook_id
        command = entry[1]
        assert command in COMMANDS, f"{hook_id}: `credgate {command}` is not a command"
        module = COMMANDS[command]
        assert (PROJECT / "src" / "credgate" / "commands" / f"{module}.py").is_file()
        assert (PROJECT / "tests" / "commands" / f"test_{module}.py").is_file(), hook_id
        assert re.search(rf"^### `{hook_id}`", readme, re.M), f"README has no section for {hook_id}"
        assert hook["language"] == "python"


def test_every_command_is_documented_in_readme_and_cli_help() -> None:
    # The README is the front door; the reference pages live in docs/.
    docs = [
        (PROJECT / "README.md").read_text(),
        *(p.read_text() for p in sorted((PROJECT / "docs").glob("*.md"))),
    ]
    help_text = cli.get_help(cli.make_context("credgate", ["--help"], resilient_parsing=True))
    for name in COMMANDS:
        assert any(f"credgate {name}" in doc for doc in docs), name
        assert name in help_text, name


def test_readme_fresh_machine_commands_match_ci() -> None:
    readme = (PROJECT / "README.md").read_text()
    ci = (PROJECT / ".ci" / "run").read_text()
    test_cmd = re.search(r"<!-- test-command -->\s*```sh\n(.+?)\n```", readme, re.S)
    assert test_cmd, "README must mark its test command"
    assert test_cmd.group(1).strip() in ci


def test_github_action_runs_an_existing_command_with_valid_formats() -> None:
    from credgate.commands._options import FORMATS

    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert any("credgate ci" in step["run"] for step in steps)
    assert action["inputs"]["format"]["default"] in FORMATS
    assert "${{" not in "".join(step["run"] for step in steps), "inputs must reach scripts through env"
