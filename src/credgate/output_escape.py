"""Moved to credgate.output.escape; these names stay importable from here until callers move."""

from __future__ import annotations

from credgate.output.escape import controls as controls  # moved
from credgate.output.escape import dumps_json as dumps_json  # moved
from credgate.output.escape import gh_data as gh_data  # moved
from credgate.output.escape import gh_property as gh_property  # moved
from credgate.output.escape import text as text  # moved
from credgate.output.escape import xml_document as xml_document  # moved
from credgate.output.escape import xml_text as xml_text  # moved
