"""engine/filters/location.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import location
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared, judged

NAMES = (
    "in-test-file",
    "test-vector",
    "sample-hash",
    "doctest-example",
    "example-file",
    "sample-in-test-file",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(location) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_provider_token_in_a_test_still_blocks() -> None:
    assert judged("token = '%%github:ghp_%%'", "tests/test_login.py", "github-pat") == [""]


def test_a_made_up_value_pending_as_a_notice_is_a_fixture_sample_in_a_test() -> None:
    line = "WEATHER_API_KEY=abcdef0123456789abcdef0123456789"
    assert judged(line, "settings.ini", "generic-password-assignment") == ["repeated-or-sequential"]
    assert judged(line, "tests/settings.ini", "generic-password-assignment") == ["sample-in-test-file"]


def test_example_files_silence_context_rules_only(rules) -> None:  # type: ignore[no-untyped-def]
    for path in ("apis/iam-2010-05-08.examples.json", "config.sample.yaml", "settings.dist"):
        assert location.is_example_file(cand(rules, b"hunter2x", path=path)), path
    # In a dotenv template only a value made of words steps back (`postgres`, `replace_with_a_secret`):
    # a generated-looking one is a copied production value.
    templates = (".env.example", "deploy/.env.prod.sample", "app.env.template", "env.dist", ".env.defaults")
    for path in templates:
        assert location.is_example_file(cand(rules, b"replace_with_a_secret", path=path)), path
        assert location.is_example_file(cand(rules, b"postgres", path=path)), path
        assert not location.is_example_file(cand(rules, b"hunter2x", path=path)), path
        generated = secret("%%rand:alnum:24%%").encode()
        assert not location.is_example_file(cand(rules, generated, path=path)), path
    assert not location.is_example_file(
        cand(rules, b"hunter2x", path="examples/app.py")
    )  # a directory, not a name
    assert not location.is_example_file(cand(rules, b"hunter2x", path="counterexample_test.env"))
    token = secret("%%github:ghp_%%").encode()
    assert not location.is_example_file(cand(rules, token, rule="github-pat", path=".env.example"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("jwcrypto/tests.py", True),
        ("jwcrypto/tests-cookbook.py", True),
        ("jwcrypto/__pycache__/tests.cpython-311.pyc", True),
        ("pkg/test.js", True),
        ("pkg/auth_tests.py", True),
        ("pkg/contest.py", False),
        ("pkg/latest.json", False),
        ("pkg/testing_utils.py", False),
    ],
)
def test_test_module_names_count_as_test_files(path: str, expected: bool) -> None:
    assert (location._TEST_PATH_RE.search(path) is not None) is expected
