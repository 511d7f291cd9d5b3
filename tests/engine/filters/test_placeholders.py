"""engine/filters/placeholders.py: each filter judges its own examples, through the real scanner."""

from __future__ import annotations

import base64

import pytest

from credgate.engine.filters import placeholders
from tests.conftest import secret
from tests.engine.filters.judge import assert_judges_its_examples, declared, judged

NAMES = (
    "placeholder",
    "repeated-or-sequential",
    "low-entropy",
)


def test_the_module_declares_exactly_these_filters() -> None:
    assert declared(placeholders) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_judges_its_own_examples(name: str) -> None:
    assert_judges_its_examples(name)


def basic(credentials: str) -> str:
    token = base64.b64encode(credentials.encode()).decode()
    return f"curl -H 'Authorization: Basic {token}' https://jenkins.acme.io/api/json"


def test_a_basic_credential_is_judged_by_its_decoded_password() -> None:
    # The rule id the filter names (http-authorization-basic) decides how the value is read.
    assert judged(basic("svc:abcdefgh12345678"), "deploy.sh", "http-authorization-basic") == [
        "repeated-or-sequential"
    ]
    assert judged(basic("svc:%%rand:alnum:18%%"), "deploy.sh", "http-authorization-basic") == [""]


def test_a_sequence_under_a_credential_name_is_a_notice_in_place_of_a_shape_filter() -> None:
    # literal-constant would drop `1234567890123456`; under API_KEY the slot is real, so it is shown.
    assert judged('API_KEY = "1234567890123456"', "settings.ini", "generic-password-assignment") == [
        "repeated-or-sequential"
    ]
    assert judged('API_KEY = "2024-01-15T10:30:00Z"', "settings.ini", "generic-password-assignment") == [
        "literal-constant"
    ]


def test_generated_values_are_never_read_as_periodic(rules) -> None:  # type: ignore[no-untyped-def]
    for n in (12, 16, 24, 32, 40, 64):
        for alphabet in ("hex", "alnum", "base64url"):
            for _ in range(40):
                value = secret(f"%%rand:{alphabet}:{n}%%").encode()
                assert not placeholders._is_periodic(value.lower()), value


def test_counting_bytes_are_rare_in_generated_hex() -> None:
    import random

    rng = random.Random(20261203)  # fixed: the rate is what is tested, not one draw
    values = [rng.randbytes(32).hex().encode() for _ in range(20000)]
    assert sum(placeholders._counts_in_hex(v) for v in values) == 0


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        (b"xxxx", True),
        (b"AKIAXXXXXXXXXXXXXXXX", True),  # x's fill the value
        (b"token-xxxx-here", True),  # a run that stands alone
        (b"sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", True),
        (b"Qm9vdHN0cmFwXxXxQ2VydGlmaWNhdGVBdXRob3JpdHk5", False),  # four x's inside a long random run
    ],
)
def test_x_filler(value: bytes, placeholder: bool) -> None:
    assert placeholders._is_x_filler(value) is placeholder
