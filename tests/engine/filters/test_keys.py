"""engine/filters/keys.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import keys
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared, judged, tok

NAMES = (
    "non-secret-key",
    "fixture-or-error-key",
    "key-echo",
    "public-or-structural-key",
    "too-short-for-a-token",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(keys) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_a_short_dotenv_value_counts_only_under_a_credential_name() -> None:
    # The rule id the filter names (env-file-generated-value) has its own length floor.
    assert judged("UCLASSIFY_READ=%%rand:alnum:14%%", ".env", "env-file-generated-value") == [
        "too-short-for-a-token"
    ]
    assert judged("UCLASSIFY_KEY=%%rand:alnum:14%%", ".env", "env-file-generated-value") == [""]


def test_non_secret_key_names(rules) -> None:  # type: ignore[no-untyped-def]
    assert keys.is_non_secret_key(cand(rules, b"/run/secrets/db", key=b"password_file"))
    assert keys.is_non_secret_key(cand(rules, b"https://x/token", key=b"TOKEN_URL"))
    assert not keys.is_non_secret_key(cand(rules, b"hunter2x", key=b"DB_PASSWORD"))


@pytest.mark.parametrize(
    ("key", "structural"),
    [
        (b"publicKey", True),
        (b"publicKeyToken", True),
        (b"pubkey256", True),
        (b"site_key", True),
        (b"hashed_secret", True),  # a detect-secrets baseline holds SHA-1s, not secrets
        (b"publishKey", True),  # PubNub publish and subscribe keys ship in every client
        (b"primary_key", True),
        (b"cache_key", True),
        (b"result_key", True),
        (b"monkey", True),
        (b"API_KEY", False),
        (b"stripeSecretKey", False),
        (b"PRIVATE_TOKEN", False),
    ],
)
def test_public_or_structural_keys(rules, key: bytes, structural: bool) -> None:  # type: ignore[no-untyped-def]
    value = secret("%%rand:alnum:32%%").encode()
    assert keys.is_public_or_structural_key(tok(rules, value, key=key)) is structural


def test_pagination_keys_need_a_word_boundary(rules) -> None:  # type: ignore[no-untyped-def]
    value = secret("%%rand:alnum:40%%").encode()
    assert keys.is_non_secret_key(tok(rules, value, key=b"nextPageToken"))
    assert keys.is_non_secret_key(tok(rules, value, key=b"end_token"))
    assert not keys.is_non_secret_key(tok(rules, value, key=b"omnisend_token"))


def test_key_echo_of_a_short_key_needs_a_word(rules) -> None:  # type: ignore[no-untyped-def]
    assert keys.is_key_echo(tok(rules, b"tokens/my-token", key=b"token"))
    assert not keys.is_key_echo(tok(rules, b"io3l0urk6hub0192key0ke9xq2", key=b"KEY"))
