"""The text of `credgate install-hooks` (and of `credgate init` when it installs the plain hooks)."""

from __future__ import annotations

from credgate.gate.hooks import Step
from credgate.output.escape import safe


def step_line(step: Step) -> str:
    if step.kind == "kept":
        return f"credgate: kept the previous {step.name} hook as {safe(step.path)}"
    return f"credgate: installed {step.name} hook in {safe(step.path)}"
