"""Engine tests' shared set-up."""

from __future__ import annotations

import os
from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _prefilter_databases_compiled_up_front() -> Iterator[None]:
    """With the Hyperscan prefilter forced (CI's second engine run), compile its databases once, before any
    test: the process keeps them for every rule set built later, so no timed test pays the compile."""
    if os.environ.get("CREDGATE_PREFILTER") == "hyperscan":
        from credgate.engine.rules import load

        load().prefilter().warm(0)
    yield
