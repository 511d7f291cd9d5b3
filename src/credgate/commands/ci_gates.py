"""Moved to credgate.gate.ci_config; these names stay importable here until the lead rewrites the imports."""

from credgate.gate.ci_config import GITLAB as GITLAB  # moved
from credgate.gate.ci_config import PRE_COMMIT_CONFIG as PRE_COMMIT_CONFIG  # moved
from credgate.gate.ci_config import CIResult as CIResult  # moved
from credgate.gate.ci_config import gitlab_local_includes as gitlab_local_includes  # moved
from credgate.gate.ci_config import is_ci_file as is_ci_file  # moved
from credgate.gate.ci_config import judge as judge  # moved
