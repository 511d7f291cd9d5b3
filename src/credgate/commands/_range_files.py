"""Moved to credgate.gate.range_files; the names stay importable here until the lead rewrites the imports."""

from credgate.gate.range_files import RULE_ID as RULE_ID  # moved
from credgate.gate.range_files import added_credential_files as added_credential_files  # moved
from credgate.gate.range_files import fix_hint as fix_hint  # moved
from credgate.gate.range_files import history_credential_files as history_credential_files  # moved
from credgate.gate.range_files import tree_tip_credential_files as tree_tip_credential_files  # moved
