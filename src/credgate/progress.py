"""Moved to credgate.output.progress; these names stay importable from here until callers move."""

from __future__ import annotations

from credgate.output.progress import DELAY as DELAY  # moved
from credgate.output.progress import Bar as Bar  # moved
from credgate.output.progress import Ticker as Ticker  # moved
from credgate.output.progress import counting_stats as counting_stats  # moved
from credgate.output.progress import wanted as wanted  # moved
