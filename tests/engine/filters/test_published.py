"""engine/filters/published.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import pytest

from credgate.engine.filters import published
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, cand, declared

NAMES = (
    "vendor-example",
    "sample-signed-jwt",
    "reserved-example-host",
    "sample-userinfo",
    "badge-token",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(published) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def test_sample_logins_in_urls(rules) -> None:  # type: ignore[no-untyped-def]
    def url(user: bytes, password: bytes) -> bool:
        line = b'engine = create_engine("postgresql://' + user + b":" + password + b'@db.internal/app")'
        return published.is_sample_userinfo(cand(rules, password, rule="database-url-password", line=line))

    assert url(b"scott", b"tiger")
    assert url(b"postgres", b"postgres")
    assert not url(b"app", secret("%%rand:alnum:14%%").encode())


def test_codecov_badge_token(rules) -> None:  # type: ignore[no-untyped-def]
    value = secret("%%rand:alnum:10%%").encode()
    line = b"[![codecov](https://codecov.io/gh/o/r/graph/badge.svg?token=" + value + b")]"
    assert published.is_badge_token(cand(rules, value, line=line))


def test_jwt_documentation_examples(rules) -> None:  # type: ignore[no-untyped-def]
    import base64
    import json

    def jwt(payload: dict[str, str]) -> bytes:
        def seg(obj: dict[str, str]) -> bytes:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=")

        return (
            seg({"alg": "HS256", "typ": "JWT"})
            + b"."
            + seg(payload)
            + b"."
            + secret("%%rand:base64url:43%%").encode()
        )

    assert published.is_vendor_example(
        cand(rules, jwt({"sub": "1234567890", "name": "John Doe"}), rule="jwt")
    )
    assert published.is_vendor_example(cand(rules, jwt({"ctx": "EXAMPLEIDENTITYCONTEXT"}), rule="jwt"))
    assert not published.is_vendor_example(
        cand(rules, jwt({"sub": "u-" + secret("%%rand:hex:8%%")}), rule="jwt")
    )
