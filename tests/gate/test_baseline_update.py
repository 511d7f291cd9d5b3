"""gate/baseline_update.py: `credgate baseline` decides before it writes, one file step at a time."""

from __future__ import annotations

import os

import pytest

from credgate import baseline as bl
from credgate.errors import UsageError
from credgate.gate import baseline_update as gate
from tests.conftest import Repo, secret


def test_plan_decides_without_writing_and_write_stores_what_it_decided(repo: Repo) -> None:
    repo.stage("deploy/a.env", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    repo.commit()
    p = gate.plan()
    target = repo.path / bl.BASELINE_NAME
    assert p.fresh and p.changes and p.accept_new and not p.blocked
    assert [a.entry.path for a in p.new] == ["deploy/a.env"] and not target.exists()
    gate.write(p.target, p.entries)
    assert bl.load(str(target)).entries == {a.entry for a in p.new}
    # Run again: nothing to change, nothing new.
    again = gate.plan()
    assert not again.changes and not again.new and not again.fresh


def test_a_new_finding_against_an_existing_baseline_is_listed_not_accepted(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    p = gate.plan()
    gate.write(p.target, p.entries)
    repo.stage("b.env", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    listed = gate.plan()
    assert listed.blocked and not listed.changes and [a.entry.path for a in listed.new] == ["b.env"]
    added = gate.plan(add=True)
    assert not added.blocked and added.changes and len(added.entries) == 2


def test_prune_moves_unmatched_entries_to_stale(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n")
    p = gate.plan()
    gate.write(p.target, p.entries)
    repo.stage("a.env", "GITHUB_TOKEN=${GITHUB_TOKEN}\n")
    kept = gate.plan()
    assert len(kept.unmatched) == 1 and kept.stale == [] and not kept.changes
    pruned = gate.plan(prune=True)
    assert pruned.unmatched == [] and len(pruned.stale) == 1 and pruned.entries == set()


def test_union_merge_adds_the_line_once_and_refuses_a_linked_gitattributes(repo: Repo) -> None:
    root = str(repo.path)
    target = os.path.join(root, bl.BASELINE_NAME)
    first = gate.union_merge(root, target)
    assert first == gate.UnionMerge("added", bl.BASELINE_NAME, f"/{bl.BASELINE_NAME} merge=union")
    assert gate.union_merge(root, target).outcome == "present"
    assert (repo.path / ".gitattributes").read_text() == f"/{bl.BASELINE_NAME} merge=union\n"
    assert gate.union_merge(root, os.path.join(root, "odd name.jsonl")).outcome == "by-hand"
    (repo.path / ".gitattributes").unlink()
    (repo.path / "elsewhere").write_text("")
    (repo.path / ".gitattributes").symlink_to("elsewhere")
    with pytest.raises(UsageError):
        gate.union_merge(root, target)
    assert (repo.path / "elsewhere").read_text() == ""
