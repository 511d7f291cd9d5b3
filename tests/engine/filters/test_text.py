"""engine/filters/text.py: measures several filter families share."""

from __future__ import annotations

import pytest

from credgate.engine import filters


def test_entropy() -> None:
    assert filters.shannon_entropy(b"") == 0
    assert filters.shannon_entropy(b"aaaa") == 0
    assert filters.shannon_entropy(b"abcd") == pytest.approx(2.0)
