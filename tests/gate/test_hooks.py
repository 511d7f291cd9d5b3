"""gate/hooks.py: the plain hooks, installed one by one, a foreign hook judged before any is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from credgate.errors import UsageError
from credgate.gate import hooks
from tests.conftest import Repo


def test_install_yields_each_hook_as_it_lands(repo: Repo) -> None:
    steps = list(hooks.install())
    assert [(s.kind, s.name) for s in steps] == [("installed", "pre-commit"), ("installed", "pre-push")]
    for s in steps:
        body = (repo.path / ".git" / "hooks" / s.name).read_bytes()
        assert s.path == str(repo.path / ".git" / "hooks" / s.name) and hooks.is_managed(body)


def test_a_foreign_hook_stops_the_whole_set_until_force_keeps_it(repo: Repo) -> None:
    hooks_dir = repo.path / ".git" / "hooks"
    hooks_dir.mkdir(exist_ok=True)
    (hooks_dir / "pre-push").write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(UsageError, match="not a credgate hook"):
        list(hooks.install())
    assert not (hooks_dir / "pre-commit").exists()  # nothing half-installed
    steps = list(hooks.install(force=True))
    assert [s.kind for s in steps] == ["installed", "kept", "installed"]
    kept = steps[1]
    assert kept.name == "pre-push" and Path(kept.path).read_text() == "#!/bin/sh\necho mine\n"


def test_an_unknown_hook_is_a_usage_error(repo: Repo) -> None:
    with pytest.raises(UsageError, match="no such hook"):
        list(hooks.install(["post-checkout-x"]))
