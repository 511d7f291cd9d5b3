from __future__ import annotations

import re
import zlib

import pytest

from credgate.engine import synth, validate


def test_github_token_checksum_is_crc32_base62() -> None:
    token = synth.expand("%%github:ghp_%%", "seed")
    assert re.fullmatch(r"ghp_[A-Za-z0-9]{36}", token)
    body, check = token[4:34], token[34:]
    assert check == validate.base62(zlib.crc32(body.encode()), 6)


def test_expansion_is_deterministic_per_seed() -> None:
    assert synth.expand("%%rand:hex:32%%", "a") == synth.expand("%%rand:hex:32%%", "a")
    assert synth.expand("%%rand:hex:32%%", "a") != synth.expand("%%rand:hex:32%%", "b")


def test_literal_text_and_multiple_generators() -> None:
    out = synth.expand("id=%%aws-key-id:ASIA%% key=%%rand:base64:40%%;", "s")
    assert re.fullmatch(r"id=ASIA[A-Z2-7]{16} key=[A-Za-z0-9+/]{40};", out)


def test_jwt_has_three_base64url_parts() -> None:
    assert len(synth.expand("%%jwt%%", "s").split(".")) == 3


@pytest.mark.parametrize("bad", ["%%nope%%", "%%rand:klingon:4%%", "%%rand:hex%%", "%%rand:hex:4"])
def test_bad_templates_raise(bad: str) -> None:
    with pytest.raises(synth.TemplateError):
        synth.expand(bad, "s")
