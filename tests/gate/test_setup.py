"""gate/setup.py: what `credgate init` decides, recorded as notes, without printing anything."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from credgate.gate import setup
from credgate.gate.setup_recipes import HOOK_IDS, PRE_COMMIT_CONFIG, WRITTEN_IDS, Source
from credgate.output import setup as setup_text
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import Repo

SHA = "0123456789abcdef0123456789abcdef01234567"
URL = "https://git.example.com/security/credgate"


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_with_credgate(tmp_path))


def kinds(o: setup.Outcome) -> list[str]:
    return [n.kind for n in o.notes]


def test_setup_records_each_step_and_prints_nothing(
    repo: Repo, on_path: None, capsys: pytest.CaptureFixture[str]
) -> None:
    o, mig = setup.setup(None, None, "none", "none")
    assert kinds(o) == ["precommit-wrote", "gitignore-wrote"] and o.refused == 0
    assert mig.sources == []
    assert (repo.path / PRE_COMMIT_CONFIG).is_file() and (repo.path / ".gitignore").is_file()
    again, _ = setup.setup(None, None, "none", "none")
    assert kinds(again) == ["precommit-unchanged", "gitignore-unchanged"]
    assert capsys.readouterr() == ("", "")


def test_without_credgate_on_path_the_local_hooks_are_refused_first(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    git_dir = str(Path(shutil.which("git") or "/usr/bin/git").parent)
    monkeypatch.setenv("PATH", f"{empty}:{git_dir}")
    o, _ = setup.setup(None, None, "none", "none")
    assert kinds(o)[0] == "not-on-path" and o.refused == 1


def test_a_config_with_some_credgate_hooks_is_left_alone_naming_the_missing_ones(repo: Repo) -> None:
    text = f"repos:\n  - repo: {URL}\n    rev: {SHA}\n    hooks:\n      - id: credgate-secrets\n"
    repo.write(PRE_COMMIT_CONFIG, text)
    o = setup.Outcome()
    setup.write_precommit_config(str(repo.path), Source(URL, SHA), o)
    [note] = o.notes
    assert note.kind == "precommit-partial" and o.refused == 1
    assert note.fields["missing"] == [h for h in HOOK_IDS if h != "credgate-secrets"]
    assert (repo.path / PRE_COMMIT_CONFIG).read_text() == text


def test_an_appended_item_parses_to_the_old_file_plus_the_hooks(repo: Repo) -> None:
    text = "default_stages: [pre-commit]\nrepos:\n    - repo: https://example.com/other\n      rev: v1\n" \
        "      hooks:\n          - id: other\n"  # fmt: skip
    repo.write(PRE_COMMIT_CONFIG, text)
    o = setup.Outcome()
    setup.write_precommit_config(str(repo.path), Source(URL, SHA), o)
    assert kinds(o) == ["precommit-merged"]
    doc = yaml.safe_load((repo.path / PRE_COMMIT_CONFIG).read_text())
    assert doc["repos"][0]["hooks"] == [{"id": "other"}]
    assert [h["id"] for h in doc["repos"][1]["hooks"]] == list(WRITTEN_IDS)


def test_a_gitlab_file_with_its_own_stages_gets_a_job_in_its_first_stage(repo: Repo) -> None:
    repo.write(".gitlab-ci.yml", "stages: [build, deploy]\nbuild:\n  stage: build\n  script: [make]\n")
    o = setup.Outcome()
    setup.write_ci(str(repo.path), "auto", Source(URL, SHA), o)
    assert [(n.kind, n.fields) for n in o.notes] == [("gitlab-wrote", {"merged": True})]
    doc = yaml.safe_load((repo.path / ".gitlab-ci.yml").read_text())
    assert doc["credgate"]["stage"] == "build" and doc["build"]["script"] == ["make"]


def test_ci_without_a_pinned_source_is_refused_and_nothing_is_written(repo: Repo) -> None:
    (repo.path / ".github").mkdir()
    o = setup.Outcome()
    setup.write_ci(str(repo.path), "auto", Source(), o)
    assert [(n.kind, n.fields) for n in o.notes] == [("ci-unpinned", {"system": "github"})]
    assert o.refused == 1 and not (repo.path / ".github" / "workflows").exists()


def test_every_note_the_gate_can_record_has_its_text() -> None:
    source = Path(setup.__file__).read_text()
    recorded = set(re.findall(r"o\.(?:say|refuse)\(\s*\"([a-z-]+)\"", source))
    assert len(recorded) >= 30
    assert recorded == set(setup_text.TEXT)


def test_resolve_source_wants_both_or_neither_and_a_full_commit() -> None:
    assert setup.resolve_source(URL, SHA) == Source(URL, SHA)
    for args in ((URL, None), (None, SHA), (URL, "v1.0")):
        with pytest.raises(setup.UsageError):
            setup.resolve_source(*args)
