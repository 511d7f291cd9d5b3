"""`.credgate.toml`: the few settings a repository can change.

    max-file-size = "25MiB"          # larger files are reported as not scanned
    exclude = ["tests/fixtures/**"]   # gitignore patterns, read as git reads them (credgate.ignore)
    disable-rules = ["rule-id"]
    rules = ["ci/extra-rules.toml"]   # extra rule files, relative to this file
    protect = ["*.secret"]            # more credential-file patterns for the env-file gate
    unprotect = [".npmrc"]            # default patterns this repository does not protect
    notices = "report"                # placeholder-like matches: "report" (not blocking), "block", "hide"
    baseline = ".credgate-baseline.jsonl"  # accepted findings (default: that file at the root, if present)
    allow-config-changes = false      # CI/pre-receive: a change may edit this file and the baseline
    allow-large = ["data/*.bin"]      # reviewed files over max-file-size: not scanned, not blocking
    allow-values = ["^EXAMPLE"]      # RE2 patterns: a secret value one of them matches is not reported

The same settings may live in pyproject.toml under `[tool.credgate]` instead. When both
files configure credgate, `.credgate.toml` wins and credgate says so on stderr: two
configs that silently disagreed would leave a team unsure which one its gate ran.

A broken config is a usage error (exit 2) that names the file and the key: a
gate that silently ignored its config would scan something other than what the
team agreed on. So is a config that switches a gate off without saying so: an
`exclude` that matches every ordinary path (or the root `.env`), `protect` /
`unprotect` that leave no credential file protected, a `max-file-size` below
1 MiB. The config file and rule files must be regular files of bounded size.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field

from credgate.errors import UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAME = ".credgate.toml"
PYPROJECT_NAME = "pyproject.toml"
PYPROJECT_TABLE = "[tool.credgate]"
# Larger files are not scanned, so they block unless `allow-large` lists them. Below it, files over
# 8 MiB are scanned in windows (engine.stream), so the limit is about time, not memory.
DEFAULT_MAX_FILE_SIZE = 256 * 1024 * 1024
# Below this, ordinary source files (a bundled script, a notebook) would go unscanned.
MIN_MAX_FILE_SIZE = 1024 * 1024
MAX_CONFIG_SIZE = 1024 * 1024  # a config is a few lines; more is a mistake or an attack
MAX_RULE_FILE_SIZE = 8 * 1024 * 1024  # the built-in rules total well under 1 MiB
# Every setting, with its type, default and meaning: the one list that parsing, the error message for an
# unknown key and docs/configuration.md (output/reference.py) read.
SETTINGS: dict[str, tuple[str, str, str]] = {
    "max-file-size": (
        "size",
        '"256MiB"',
        "Files larger than this are not scanned, so they block (see allow-large). At least 1MiB. Files over "
        "8 MiB below it are scanned in windows.",
    ),
    "exclude": (
        "list of gitignore patterns",
        "[]",
        "Paths not scanned. A pattern that would skip every file at the root, every file of a directory or "
        "the root .env is refused.",
    ),
    "disable-rules": ("list of rule ids", "[]", "Rules not run. Leaving no rule is exit 2."),
    "rules": (
        "list of paths",
        "[]",
        "Your own rule files, in the format of rules/*.toml, relative to the config file; "
        "at most 8 MiB each.",
    ),
    "protect": (
        "list of gitignore patterns",
        "[]",
        "More credential-file names for the files gate and check-gitignore; `!pattern` exempts a path.",
    ),
    "unprotect": (
        "list of gitignore patterns",
        "[]",
        "Default credential-file names this repository does not protect.",
    ),
    "notices": (
        '"report", "block" or "hide"',
        '"report"',
        "What placeholder-like matches do: shown without blocking, blocking like findings, or suppressed.",
    ),
    "baseline": (
        "path",
        '".credgate-baseline.jsonl"',
        "The file of accepted findings (credgate baseline writes it), relative to the config file; "
        "by default that name at the root, if present.",
    ),
    "allow-config-changes": (
        "boolean",
        "false",
        "In CI and pre-receive, whether a change may weaken this file, its rules or the baseline "
        "(then a notice, not a block).",
    ),
    "allow-large": (
        "list of gitignore patterns",
        "[]",
        "Reviewed paths over max-file-size: a notice instead of a block. Adding one is a weakening in CI.",
    ),
    "allow-values": (
        "list of RE2 patterns",
        "[]",
        "Searched in a found value alone (never the line): a match is not reported. A pattern that matches "
        "an empty or most token-shaped values is refused.",
    ),
}
KNOWN_KEYS = tuple(SETTINGS)
# Paths of every kind and depth: exclude patterns that skip all of one group switch the gate off.
_ROOT_PROBES = ("a.py", "README.md", "Makefile", "index.js", ".gitlab-ci.yml")
_DEEP_PROBES = (
    "src/app/main.py",
    "config/settings.yaml",
    "lib/util.js",
    "app/models/user.rb",
    "deploy/k8s/app.yaml",
)
_CREDENTIAL_PROBES = (".env", ".env.production", "id_rsa", "cert.p12", ".netrc", "terraform.tfstate")
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


@dataclass
class Config:
    """The settings of .credgate.toml (or [tool.credgate]); the defaults when there is none."""

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
    allow_large: list[str] = field(default_factory=list)
    # RE2 patterns searched in a finding's value only (never the line), so they run in linear time and
    # cannot hide a second value on a line; `credgate init` converts gitleaks' regexes and stopwords here.
    allow_values: list[str] = field(default_factory=list)
    _spec: Any = field(default=None, repr=False)
    _large_spec: Any = field(default=None, repr=False)

    def is_excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        if self._spec is None:
            from credgate.ignore import pattern_list  # only paid for by repositories that exclude something

            self._spec = pattern_list(self.exclude, "exclude")
        return bool(self._spec.is_ignored(path))

    def is_allowed_large(self, path: str) -> bool:
        """Whether a reviewer accepted this path being over max-file-size (gitignore-style patterns)."""
        if not self.allow_large:
            return False
        if self._large_spec is None:
            from credgate.ignore import pattern_list

            self._large_spec = pattern_list(self.allow_large, "allow-large")
        return bool(self._large_spec.is_ignored(path))


def parse_size(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:  # the floor is checked after
        return value
    m = _SIZE_RE.match(value) if isinstance(value, str) else None
    if not m:
        raise UsageError(f'{where}: max-file-size must be a byte count or a size like "25MiB"')
    return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]


def _read_bounded(path: str, limit: int, what: str) -> bytes:
    """A regular file's bytes; a device, FIFO or directory (`/dev/zero`) or a file over limit is refused."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{path}: {what} is not a regular file", f"point {what} at a regular file")
        if st.st_size > limit:
            raise UsageError(
                f"{path}: {what} is {st.st_size} bytes, over the {limit // 1024} KiB limit",
                f"point {what} at the right file, or split it",
            )
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror}") from None
    if len(data) > limit:  # it grew since the check
        raise UsageError(f"{path}: {what} is over the {limit // 1024} KiB limit")
    return data


def parse(text: str | bytes, source: str, base_dir: str | None = None) -> Config:
    """Validate a config from its text, without touching the disk (so CI can check another revision's).

    source names it in messages. Relative `rules` and `baseline` paths are joined to base_dir; without
    one they are left as written (CI resolves them in the base revision's git objects, see
    gate/trusted.py). load() adds the checks that need the files themselves.
    """
    return _from_doc(_load_toml(text, source), source, base_dir)


def _load_toml(text: str | bytes, path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    if isinstance(text, bytes):
        if len(text) > MAX_CONFIG_SIZE:
            raise UsageError(f"{path}: config is over the {MAX_CONFIG_SIZE // 1024} KiB limit")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not valid UTF-8", f"save {path} as UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}", f"fix the syntax in {path}") from None
    return doc


def pyproject_table(text: str | bytes, source: str) -> dict[str, Any] | None:
    """The `[tool.credgate]` table of a pyproject.toml, or None when it has none.

    A pyproject.toml that is not valid TOML is only credgate's error when it mentions credgate:
    otherwise it is some other tool's file, and a typo there must not stop every commit."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    mentions = b"credgate" in raw
    if not mentions and b"\\u" not in raw and b"\\U" not in raw:
        # A key can only say `credgate` spelled out or through a quoted key's \u/\U escapes (the only
        # escapes that make letters): without either there is no table to read and no error to report.
        # Not parsing spares the TOML parser (its import too) on every commit in a Python project.
        return None
    try:
        doc = _load_toml(text, source)
    except UsageError:
        if mentions:
            raise
        return None
    tool = doc.get("tool")
    table = tool.get("credgate") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(
            f"{source}: tool.credgate must be a table", f"write the settings under {PYPROJECT_TABLE}"
        )
    return table


def parse_pyproject(text: str | bytes, source: str, base_dir: str | None = None) -> Config | None:
    """The config in pyproject.toml's `[tool.credgate]`, validated like `.credgate.toml`; None without one.
    Messages name the file and the table (`pyproject.toml [tool.credgate]: unknown setting(s) ...`)."""
    table = pyproject_table(text, source)
    if table is None:
        return None
    return _from_doc(table, f"{source} {PYPROJECT_TABLE}", base_dir)


def _from_doc(doc: dict[str, Any], path: str, base_dir: str | None) -> Config:
    known = set(KNOWN_KEYS)
    unknown = set(doc) - known
    if unknown:
        raise UsageError(
            f"{path}: unknown setting(s) {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(sorted(known))}",
        )
    cfg = Config(path=path)
    if "max-file-size" in doc:
        cfg.max_file_size = parse_size(doc["max-file-size"], path)
        if cfg.max_file_size < MIN_MAX_FILE_SIZE:
            raise UsageError(
                f"{path}: max-file-size = {doc['max-file-size']!r} would leave ordinary files unscanned "
                f"(the floor is 1MiB)",
                f'set max-file-size = "1MiB" or more in {path}, or remove it (default 25MiB)',
            )
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
        ("allow-large", "allow_large"),
        ("allow-values", "allow_values"),
    )
    for key, attr in lists:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{path}: {key} must be a list of strings")
        setattr(cfg, attr, list(value))
    if any(not p.strip() for p in cfg.allow_large):
        raise UsageError(
            f"{path}: allow-large patterns must not be empty", 'e.g. allow-large = ["data/*.bin"]'
        )
    _check_exclude(cfg, path)
    _check_protect(cfg, path)
    _check_allow_values(cfg, path)
    if base_dir is not None:
        cfg.rule_files = [os.path.join(base_dir, p) for p in cfg.rule_files]
    if "baseline" in doc:
        if not isinstance(doc["baseline"], str) or not doc["baseline"]:
            raise UsageError(f"{path}: baseline must be a file path")
        cfg.baseline = os.path.join(base_dir, doc["baseline"]) if base_dir is not None else doc["baseline"]
    return cfg


def _check_exclude(cfg: Config, path: str) -> None:
    if not cfg.exclude:
        return
    fix = f"name the directories to skip (`tests/fixtures/**`) in exclude in {path}"
    for probes, what in (
        (_ROOT_PROBES, "every file at the root"),
        (_DEEP_PROBES, "every file in a directory"),
    ):
        if all(cfg.is_excluded(p) for p in probes):
            raise UsageError(f"{path}: exclude skips {what}, which switches the gates off", fix)
    hit = next((p for p in _CREDENTIAL_PROBES[:2] if cfg.is_excluded(p)), None)
    if hit is not None:
        raise UsageError(
            f"{path}: exclude skips {hit}, the file the gates exist to stop",
            f"remove the pattern that matches {hit}; to commit a .env of public defaults, "
            'use unprotect = [".env"]: its values are still scanned',
        )


def _allow_value_probes() -> list[bytes]:
    """Token-like values no allow pattern should match all of: generated (never written in the
    repository), the same on every run."""
    import random

    rng = random.Random(15)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    out = []
    for prefix, n in (("", 40), ("ghp_", 36), ("AKIA", 16), ("xoxb-", 40), ("sk-", 48), ("", 24), ("", 64)):
        body = "".join(
            rng.choice(alphabet if prefix != "AKIA" else alphabet[:26] + alphabet[52:]) for _ in range(n)
        )
        out.append((prefix + body).encode())
    return out


def _check_allow_values(cfg: Config, path: str) -> None:
    from credgate.engine import linear

    example = 'e.g. allow-values = ["^EXAMPLE[A-Z0-9]+$"]'
    compiled = []
    for pattern in cfg.allow_values:
        if not pattern:
            raise UsageError(f"{path}: allow-values patterns must not be empty", example)
        p = linear.compile(pattern.encode("utf-8"))
        try:
            empty = p.search(b"") is not None
        except Exception as exc:  # noqa: BLE001 - RE2 reports bad syntax with its own error types
            raise UsageError(
                f"{path}: allow-values pattern {pattern!r} is not a valid RE2 regex ({exc})",
                "RE2 has no lookaround or backreferences; " + example,
            ) from None
        if empty:
            raise UsageError(
                f"{path}: allow-values pattern {pattern!r} matches an empty value, so it allows every value",
                example,
            )
        compiled.append((pattern, p))
    probes = _allow_value_probes()
    for pattern, p in compiled:
        if sum(p.search(v) is not None for v in probes) * 2 > len(probes):
            raise UsageError(
                f"{path}: allow-values pattern {pattern!r} matches most token-shaped values, "
                "which switches the gate off",
                "anchor it to the values you mean (a prefix, a fixed example): " + example,
            )


def _check_protect(cfg: Config, path: str) -> None:
    if not cfg.protect and not cfg.unprotect:
        return
    from credgate.ignore import pattern_list
    from credgate.policy import protected_list

    spec = pattern_list([p.pattern for p in protected_list(cfg.protect, cfg.unprotect)], "protect")
    if not any(spec.is_ignored(p) for p in _CREDENTIAL_PROBES):
        raise UsageError(
            f"{path}: protect / unprotect leave no credential file protected "
            f"({', '.join(_CREDENTIAL_PROBES)} would all pass), which switches the files gate off",
            "remove the `!` pattern from protect, or unprotect only what this repository commits on purpose",
        )


def load(path: str) -> Config:
    data = _read_bounded(path, MAX_CONFIG_SIZE, "the config file")
    base_dir = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == PYPROJECT_NAME:
        found = parse_pyproject(data, path, base_dir)
        if found is None:
            raise UsageError(
                f"{path}: has no {PYPROJECT_TABLE} table",
                f"add the settings under {PYPROJECT_TABLE}, or pass a .credgate.toml",
            )
        cfg = found
    else:
        cfg = parse(data, path, base_dir=base_dir)
    return _check_files(cfg, path)


def _check_files(cfg: Config, path: str) -> Config:
    for rules_file in cfg.rule_files:
        if not os.path.lexists(rules_file):
            raise UsageError(
                f"{path}: cannot read rule file {rules_file}: it does not exist", f"fix `rules` in {path}"
            )
        _read_bounded(rules_file, MAX_RULE_FILE_SIZE, "the rule file")
    if cfg.baseline is not None and not os.path.isfile(cfg.baseline):
        named = os.path.relpath(cfg.baseline, os.path.dirname(os.path.abspath(path)))
        raise UsageError(
            f"{path}: baseline {named} does not exist",
            "create it with `credgate baseline`, or remove the setting",
        )
    return cfg


def find(root: str, explicit: str | None = None) -> Config:
    if explicit:
        if not os.path.lexists(explicit):
            raise UsageError(f"config file {explicit} does not exist")
        return load(explicit)
    candidate = os.path.join(root, CONFIG_NAME)
    pyproject = os.path.join(root, PYPROJECT_NAME)
    table = None
    if os.path.isfile(pyproject):
        data = _read_bounded(pyproject, MAX_CONFIG_SIZE, "pyproject.toml")
        table = pyproject_table(data, pyproject)
    # A directory, FIFO or dangling link in its place is refused by load(), not read as "no config".
    if os.path.lexists(candidate):
        cfg = load(candidate)
        if table is not None:
            print(both_configs_note(), file=sys.stderr)
    elif table is not None:
        cfg = _check_files(_from_doc(table, f"{pyproject} {PYPROJECT_TABLE}", root), pyproject)
    else:
        cfg = Config()
    if cfg.baseline is None:
        from credgate.baseline import BASELINE_NAME, LEGACY_NAME

        # The old single-document baseline is still read (and converted by `credgate baseline`).
        found = [p for p in (BASELINE_NAME, LEGACY_NAME) if os.path.isfile(os.path.join(root, p))]
        cfg.baseline = os.path.join(root, found[0]) if found else None
    return cfg


def both_configs_note(where: str = "") -> str:
    """The one stderr line when both files configure credgate."""
    at = f" at {where}" if where else ""
    return (
        f"credgate: using {CONFIG_NAME}{at}; {PYPROJECT_TABLE} in {PYPROJECT_NAME} is ignored "
        f"(keep the settings in one of them)"
    )
