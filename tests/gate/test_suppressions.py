"""gate/suppressions.py: markers in the index and baseline entries, as records (no text)."""

from __future__ import annotations

from credgate import config as config_mod
from credgate.gate import suppressions as gate
from tests.conftest import Repo


def test_markers_are_found_in_the_index_not_the_work_tree(repo: Repo) -> None:
    repo.stage("a.py", 'A = 1  # credgate:allow=github-pat reason="demo"\n')
    repo.write("b.py", "B = 1  # gitleaks:allow\n")  # not staged: not tracked
    items = gate.collect(str(repo.path), config_mod.find(str(repo.path)))
    assert items == [gate.Suppression("marker", "a.py", 1, "credgate:allow", ("github-pat",), "demo", "line")]


def test_a_next_line_marker_has_its_scope() -> None:
    [s] = gate.markers_in("x.py", 4, b"# pragma: allowlist nextline secret")
    assert (s.marker, s.scope, s.rules) == ("pragma: allowlist nextline secret", "next line", ())
