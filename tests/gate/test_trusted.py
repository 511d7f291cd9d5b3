"""gate/trusted.py: the gate's own files read from a revision, and what a change does to them."""

from __future__ import annotations

import pytest

from credgate.errors import UsageError
from credgate.gate import trusted
from tests.conftest import Repo


def rev(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_read_state_takes_the_revision_not_the_disk(repo: Repo) -> None:
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\nrules = ["rules/extra.toml"]\n')
    repo.stage("rules/extra.toml", "")
    repo.commit("config")
    base = rev(repo)
    repo.write(".credgate.toml", 'exclude = ["**"]\n')  # the working tree says something else
    state = trusted.read_state(base)
    assert state.cfg.exclude == ["vendor/**"] and list(state.rule_files) == ["rules/extra.toml"]
    assert state.describe() == f".credgate.toml at {base[:12]}" and state.auto
    assert trusted.read_state(None).describe() == "built-in defaults (no base revision)"


def test_a_missing_rule_file_or_a_path_outside_is_a_usage_error(repo: Repo) -> None:
    repo.stage(".credgate.toml", 'rules = ["missing.toml"]\n')
    repo.commit("config")
    with pytest.raises(UsageError, match="rule file missing.toml does not exist"):
        trusted.read_state(rev(repo))
    repo.stage(".credgate.toml", 'rules = ["../outside.toml"]\n')
    repo.commit("config")
    with pytest.raises(UsageError, match="is outside the repository"):
        trusted.read_state(rev(repo))


def test_the_note_that_credgate_toml_wins_goes_to_warn_not_to_stderr(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.stage(".credgate.toml", "")
    repo.stage("pyproject.toml", '[tool.credgate]\nexclude = ["x"]\n')
    repo.commit("both")
    lines: list[str] = []
    trusted.read_state(rev(repo), warn=lines.append)
    assert len(lines) == 1 and "pyproject.toml is ignored" in lines[0] and rev(repo)[:12] in lines[0]
    assert capsys.readouterr().err == ""


def test_weakenings_name_each_weaker_setting_at_its_line(repo: Repo) -> None:
    repo.stage(".credgate.toml", 'notices = "block"\nprotect = ["*.secret"]\n')
    repo.commit("base")
    old = trusted.read_state(rev(repo))
    repo.stage(
        ".credgate.toml",
        'notices = "hide"\nexclude = ["*.py", "!keep.py"]\ndisable-rules = ["github-pat"]\n'
        'allow-values = ["x\\u001b"]\nallow-config-changes = true\n',
    )
    repo.commit("weaker")
    found = {what: line for _, what, line in trusted.weakenings(old, rev(repo))}
    assert found == {
        'notices changed from "block" to "hide"': 1,
        'exclude adds "*.py"': 2,
        'disable-rules adds "github-pat"': 3,
        # Values as the config holds them: the output escapes them for its format.
        'allow-values adds "x\x1b"': 4,
        'protect drops "*.secret"': 1,
        "allow-config-changes turned on": 5,
    }


def test_a_stronger_config_or_an_untouched_one_is_no_finding(repo: Repo) -> None:
    repo.stage(".credgate.toml", 'exclude = ["vendor/**"]\n')
    repo.commit("base")
    base = rev(repo)
    old = trusted.read_state(base)
    repo.stage("app.py", "x = 1\n")
    repo.commit("no config change")
    assert trusted.untouched(base, rev(repo), old)
    assert trusted.change_findings(old, old.cfg, rev(repo), base) == []
    repo.stage(".credgate.toml", 'exclude = []\nnotices = "block"\n')
    repo.commit("stronger")
    assert not trusted.untouched(base, rev(repo), old)
    assert trusted.change_findings(old, old.cfg, rev(repo), base) == []


def test_a_weakening_blocks_unless_the_base_allows_config_changes(repo: Repo) -> None:
    repo.stage(".credgate.toml", "")
    repo.commit("base")
    base = rev(repo)
    old = trusted.read_state(base)
    repo.stage(".credgate.toml", 'exclude = ["*.py"]\n')
    repo.commit("weaker")
    (f,) = trusted.change_findings(old, old.cfg, rev(repo), base)
    assert f.rule_id == trusted.WEAKENED and f.blocking and f.path == ".credgate.toml"
    assert f.rule_name == 'this change weakens the secret gate: exclude adds "*.py"' and f.commit == rev(repo)
    allowing = trusted.read_state(base)
    allowing.cfg.allow_config_changes = True
    (notice,) = trusted.change_findings(old, allowing.cfg, rev(repo), base)
    assert not notice.blocking and "allow-config-changes = true" in notice.advisory


def test_a_config_that_no_longer_loads_is_a_weakening(repo: Repo) -> None:
    repo.stage(".credgate.toml", "")
    repo.commit("base")
    old = trusted.read_state(rev(repo))
    repo.stage(".credgate.toml", "exclude = [\n")
    repo.commit("broken")
    ((path, what, _),) = trusted.weakenings(old, rev(repo))
    assert path == ".credgate.toml" and what.startswith("the gate's config no longer loads")
    # start_state falls back to the base's files when the start's config does not load.
    assert trusted.start_state(rev(repo), old) is old
