from __future__ import annotations

import pytest

from credgate.engine.rules import Rule, load


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    return load().by_id
