"""Moved to credgate.output.machine; these names stay importable from here until callers move."""

from __future__ import annotations

from credgate.output.machine import SARIF_SCHEMA as SARIF_SCHEMA  # moved
from credgate.output.machine import to_github as to_github  # moved
from credgate.output.machine import to_junit as to_junit  # moved
from credgate.output.machine import to_sarif as to_sarif  # moved
