"""Moved: the data model to credgate.gate.report, text output to credgate.output.text, JSON to
credgate.output.machine, escaping to credgate.output.escape. These names stay importable from here
until every caller imports them from their new home."""

from __future__ import annotations

from credgate.gate.report import Report as Report  # moved
from credgate.gate.report import Stats as Stats  # moved
from credgate.output.escape import redact_message as redact_message  # moved
from credgate.output.escape import safe as safe  # moved
from credgate.output.machine import suppressed_doc as suppressed_doc  # moved
from credgate.output.machine import suppression_of as suppression_of  # moved
from credgate.output.machine import to_json as to_json  # moved
from credgate.output.text import accepted_line as accepted_line  # moved
from credgate.output.text import always_summary as always_summary  # moved
from credgate.output.text import gitignore_fix_command as gitignore_fix_command  # moved
from credgate.output.text import summary as summary  # moved
from credgate.output.text import warnings as warnings  # moved
from credgate.output.text import write_text as write_text  # moved
