"""credgate.baseline.store: the file round-trips, merges by union and refuses conflict markers."""

from __future__ import annotations

import pytest

from credgate import baseline as bl
from credgate.baseline import store
from credgate.errors import UsageError

A = bl.Entry("a.env", "github-pat", "v1:" + "0" * 32, reason="reviewed")
B = bl.Entry("b\udcff.env", "generic-password-assignment", "p1:" + "f" * 32)


def test_render_then_load_gives_the_same_entries_and_reasons() -> None:
    text = bl.render([B, A, A])
    assert text.startswith(bl.HEADER) and text.count("\n") == bl.HEADER.count("\n") + 2
    loaded = bl.load_text(text, "x")
    assert loaded.entries == {A, B}
    assert {e.reason for e in loaded.entries} == {"reviewed", ""}
    assert text.isascii()  # a non-UTF-8 path is escaped, not written raw


def test_a_union_merge_loads_and_conflict_markers_are_refused() -> None:
    both = bl.render([A]) + bl.render([A, B])  # what merge=union leaves: both sides, duplicates
    assert bl.load_text(both, "x").entries == {A, B}
    with pytest.raises(UsageError, match="merge conflict markers"):
        bl.load_text("<<<<<<< ours\n" + A.line() + "\n=======\n>>>>>>> theirs\n", "x")


def test_a_bad_fingerprint_is_refused_with_how_to_fix_it() -> None:
    with pytest.raises(UsageError) as exc:
        bl.load_text('{"path": "a", "rule": "r", "fingerprint": "v2:00"}\n', "f.jsonl")
    assert "fingerprint" in exc.value.message and "credgate baseline --output f.jsonl" in (
        exc.value.hint or ""
    )


def test_every_name_is_still_importable_from_the_package() -> None:
    assert store.Entry is bl.Entry and bl.judge.__module__ == "credgate.baseline.judging"
    for name in ("value_key", "_pbkdf2", "Renames", "rename_links", "make_reader", "detect_secrets_hashes",
                 "committed_before", "unverified_message", "LEGACY_NAME", "MAX_SIZE", "_norm"):  # fmt: skip
        assert hasattr(bl, name), name
