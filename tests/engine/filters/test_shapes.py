"""engine/filters/shapes.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine import filters
from credgate.engine.filters import shapes
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared, tok

NAMES = (
    "integrity-digest",
    "literal-constant",
    "sigv4-scope",
    "not-token-shaped",
    "uuid-outside-secret-context",
    "commit-id-outside-secret-context",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(shapes) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


@pytest.mark.parametrize(
    ("value", "shaped"),
    [
        # a digit inside: a draw of letters only can read as CamelCase words (`CMPrxIBuhFdk...Age`)
        (secret("%%rand:alnum:16%%%%rand:digit:1%%%%rand:alnum:15%%").encode(), True),
        (secret("%%rand:hex:40%%").encode(), True),
        (
            secret("%%rand:alnum:11%%%%rand:digit:1%%-%%rand:alnum:12%%").encode(),
            True,
        ),  # a digit, or a draw of letters only reads as a word
        (b"ServerlessV2PlatformVersions", False),  # CamelCase words with a version digit
        (b"jinja2_extensions", False),
        (b"access_logs.s3.enabled", False),  # words with short digit parts
        (b"x-amz-server-side-encryption-customer-key-MD5", False),
        (b"release-2024-11-28-prod", False),
        (b"2024.11.28-release", False),  # a version
        (b"service-account-4f2a9c.json", False),  # a file name
        (b"arn:aws:kms:us-east-1:123456789012:key/" + secret("%%rand:hex:8%%").encode(), False),
        (b"VERYLONGSECRET" + secret("%%rand:alnum:20%%").encode(), False),  # says what it stands for
    ],
)
def test_token_shape(rules, value: bytes, shaped: bool) -> None:  # type: ignore[no-untyped-def]
    assert shapes.is_not_token_shaped(tok(rules, value)) is not shaped


def test_token_shape_only_applies_to_token_rules(rules) -> None:  # type: ignore[no-untyped-def]
    # The scope lives in the registry entry: the shape test alone would call this value not token-shaped.
    assert not filters.BY_NAME["not-token-shaped"].applies(cand(rules, b"jinja2_extensions"))
    assert filters.BY_NAME["not-token-shaped"].applies(tok(rules, b"jinja2_extensions"))


def test_uuid_counts_under_credential_names_only(rules) -> None:  # type: ignore[no-untyped-def]
    uuid = secret("%%rand:hex:8%%-%%rand:hex:4%%-4%%rand:hex:3%%-a%%rand:hex:3%%-%%rand:hex:12%%").encode()
    assert not shapes.is_uuid_outside_secret_context(tok(rules, uuid, key=b"HEROKU_API_KEY"))
    assert not shapes.is_uuid_outside_secret_context(tok(rules, uuid, key=b"npm_token"))
    assert shapes.is_uuid_outside_secret_context(tok(rules, uuid, key=b"ClientRequestToken"))
    assert shapes.is_uuid_outside_secret_context(tok(rules, uuid, key=b"LifecycleActionToken"))
    assert shapes.is_uuid_outside_secret_context(tok(rules, uuid, key=b"request_id_key"))


def test_generated_tokens_are_rarely_mistaken_for_names(rules) -> None:  # type: ignore[no-untyped-def]
    import random
    import string

    rng = random.Random(20261128)  # fixed: the rate is what is tested, not one draw
    alphabet = string.ascii_letters + string.digits
    values = ["".join(rng.choice(alphabet) for _ in range(rng.choice((20, 32, 40)))) for _ in range(3000)]
    dropped = [v for v in values if shapes.is_not_token_shaped(tok(rules, v.encode()))]
    # Values with no digit at all are not token-shaped by definition; the rest must nearly all pass.
    with_digits = [v for v in dropped if any(ch.isdigit() for ch in v)]
    assert len(with_digits) <= 3, with_digits[:5]


def test_a_token_shape_inside_an_integrity_digest_is_not_a_token() -> None:
    """A lock file's digests are random base64: one in a few thousand spells `/YC<38 characters>/`."""
    import base64
    import random

    from credgate import config
    from credgate.gate.scanning import build_scanner

    scanner = build_scanner(config.Config())
    body = "YC" + secret("%%rand:alnum:38%%")
    digest = base64.b64encode(random.Random(7).randbytes(15)).decode() + "/" + body + "/"
    digest += base64.b64encode(random.Random(8).randbytes(18)).decode()[:24] + "=="
    assert len(digest) == 88
    for text, path in (
        (f'"integrity": "sha512-{digest}",\n', "package-lock.json"),
        (f"  integrity sha512-{digest}\n", "yarn.lock"),
        (f'<script integrity="sha512-{digest}"></script>\n', "index.html"),
    ):
        assert scanner.scan(text.encode(), path).findings == [], path
    # The same characters where a digest does not frame them are a key.
    found = scanner.scan(f"secret: {body}\n".encode(), "config.yaml").findings
    assert [f.rule_id for f in found] == ["yandex-cloud-static-key-secret"]
    # A token whose checksum passes did not land in a digest by chance: framed as one, it still blocks.
    github = secret("%%github:ghp_%%")
    framed = digest[:20] + "/" + github + "/" + digest[-26:]
    assert len(framed) == 88
    found = scanner.scan(f'"integrity": "sha512-{framed}",\n'.encode(), "package-lock.json").findings
    assert [f.rule_id for f in found] == ["github-pat"]
    # A digest of another length (not SHA-1/256/384/512) frames nothing.
    assert scanner.scan(f'"integrity": "sha512-{digest[:-2]}AAAA=="\n'.encode(), "x.json").findings
