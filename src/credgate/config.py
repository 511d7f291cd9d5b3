"""`.credgate.toml`: the few settings a repository can change.

    max-file-size = "25MiB"          # larger files are reported as not scanned
    exclude = ["tests/fixtures/**"]   # gitignore-style patterns (pathspec)
    disable-rules = ["rule-id"]
    rules = ["ci/extra-rules.toml"]   # extra rule files, relative to this file
    protect = ["*.secret"]            # more credential-file patterns for the env-file gate
    unprotect = [".npmrc"]            # default patterns this repository does not protect
    notices = "report"                # placeholder-like matches: "report" (not blocking), "block", "hide"
    baseline = ".credgate-baseline.jsonl"  # accepted findings (default: that file at the root, if present)
    allow-config-changes = false      # CI/pre-receive: a change may edit this file and the baseline

A broken config is a usage error (exit 2) that names the file and the key: a
gate that silently ignored its config would scan something other than what the
team agreed on.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from credgate.errors import UsageError

CONFIG_NAME = ".credgate.toml"
DEFAULT_MAX_FILE_SIZE = 25 * 1024 * 1024
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


@dataclass
class Config:
    path: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    exclude: list[str] = field(default_factory=list)
    disable_rules: list[str] = field(default_factory=list)
    rule_files: list[str] = field(default_factory=list)
    protect: list[str] = field(default_factory=list)
    unprotect: list[str] = field(default_factory=list)
    notices: str = "report"
    baseline: str | None = None  # absolute path of the baseline file, if any
    # In CI and pre-receive, whether a change may edit the gate's own config and baseline (read from
    # the base revision, so a change cannot grant itself this).
    allow_config_changes: bool = False
    _spec: Any = field(default=None, repr=False)

    def is_excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        if self._spec is None:
            import pathspec  # only paid for by repositories that exclude something

            self._spec = pathspec.GitIgnoreSpec.from_lines(self.exclude)
        return bool(self._spec.match_file(path))


def parse_size(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = _SIZE_RE.match(value) if isinstance(value, str) else None
    if not m:
        raise UsageError(f'{where}: max-file-size must be a byte count or a size like "25MiB"')
    return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]


def load(path: str) -> Config:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config: {exc.strerror}") from None
    cfg = parse(data, path)
    base = os.path.dirname(os.path.abspath(path))
    cfg.rule_files = [os.path.join(base, p) for p in cfg.rule_files]
    if cfg.baseline is not None:
        written = cfg.baseline
        cfg.baseline = os.path.join(base, written)
        if not os.path.isfile(cfg.baseline):
            raise UsageError(
                f"{path}: baseline {written} does not exist",
                "create it with `credgate baseline`, or remove the setting",
            )
    return cfg


def parse(data: bytes, path: str) -> Config:
    """A config from the bytes of a `.credgate.toml`, with `rules` and `baseline` left as written
    (relative to the file's directory): `load` resolves them on disk, and CI reads them from the
    base revision's git objects instead (see credgate.trusted)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 TOML", f"save {path} as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}", f"fix the syntax in {path}") from None
    known = {
        "max-file-size",
        "exclude",
        "disable-rules",
        "rules",
        "protect",
        "unprotect",
        "notices",
        "baseline",
        "allow-config-changes",
    }
    unknown = set(doc) - known
    if unknown:
        raise UsageError(
            f"{path}: unknown setting(s) {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(sorted(known))}",
        )
    cfg = Config(path=path)
    if "max-file-size" in doc:
        cfg.max_file_size = parse_size(doc["max-file-size"], path)
    if "notices" in doc:
        if doc["notices"] not in ("report", "block", "hide"):
            raise UsageError(f'{path}: notices must be "report", "block" or "hide"')
        cfg.notices = doc["notices"]
    if "allow-config-changes" in doc:
        if not isinstance(doc["allow-config-changes"], bool):
            raise UsageError(f"{path}: allow-config-changes must be true or false")
        cfg.allow_config_changes = doc["allow-config-changes"]
    lists = (
        ("exclude", "exclude"),
        ("disable-rules", "disable_rules"),
        ("rules", "rule_files"),
        ("protect", "protect"),
        ("unprotect", "unprotect"),
    )
    for key, attr in lists:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{path}: {key} must be a list of strings")
        setattr(cfg, attr, list(value))
    if "baseline" in doc:
        if not isinstance(doc["baseline"], str) or not doc["baseline"]:
            raise UsageError(f"{path}: baseline must be a file path")
        cfg.baseline = doc["baseline"]
    return cfg


def find(root: str, explicit: str | None = None) -> Config:
    if explicit:
        if not os.path.isfile(explicit):
            raise UsageError(f"config file {explicit} does not exist")
        return load(explicit)
    candidate = os.path.join(root, CONFIG_NAME)
    cfg = load(candidate) if os.path.isfile(candidate) else Config()
    if cfg.baseline is None:
        from credgate.baseline import BASELINE_NAME, LEGACY_NAME

        # The old single-document baseline is still read (and converted by `credgate baseline`).
        found = [p for p in (BASELINE_NAME, LEGACY_NAME) if os.path.isfile(os.path.join(root, p))]
        cfg.baseline = os.path.join(root, found[0]) if found else None
    return cfg
