"""engine/filters/passwords.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import passwords
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared, judged

NAMES = (
    "self-describing-password",
    "weak-password",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(passwords) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_weak_password_is_a_notice_blocks_when_deployed_and_is_dropped_in_tests() -> None:
    line = "DB_PASSWORD=hunter2"
    assert judged(line, "config/app.ini", "generic-password-assignment") == ["weak-password"]
    assert judged(line, ".env.example", "generic-password-assignment") == ["weak-password"]
    assert judged(line, ".env.production", "generic-password-assignment") == [""]  # blocks
    assert judged(line, "tests/fixtures/app.ini", "generic-password-assignment") == ["sample-in-test-file"]


def test_the_bare_slot_word_stays_a_placeholder() -> None:
    assert judged('password = "password"', "settings.py", "generic-password-assignment") == ["placeholder"]


@pytest.mark.parametrize(
    ("value", "describes"),
    [
        (b"MySekretPa$$word", True),
        (b"03#pa33w0rd", True),
        (b"This-is-my-test-99!", True),
        (b"VERYLONGSECRET" + secret("%%rand:alnum:16%%").encode(), True),
        (secret("%%rand:alnum:12%%").encode() + b"!", False),
        (b"contest2024", False),  # "test" inside a word is not a marker
    ],
)
def test_self_describing_password(rules, value: bytes, describes: bool) -> None:  # type: ignore[no-untyped-def]
    assert passwords.is_self_describing_password(cand(rules, value)) is describes
