"""In CI and pre-receive, the rules a change is judged by come from its base revision.

The pusher controls the working tree and the pushed commits, so a pull request that
adds `exclude = ["*.py"]`, disables a rule or accepts its own token in the baseline
must not be judged by that. `.credgate.toml`, the custom rule files it lists and the
baseline are read from the base revision's git objects. What the change does to them
is compared with the revision it started from: a change that weakens the gate is a
blocking finding for the reviewer ("this change weakens the secret gate: ..."), unless
the base's config sets `allow-config-changes = true` (then it is a notice).
Config values are quoted in the findings as the config holds them (the output escapes them), and
the one note a revision's files can give (`.credgate.toml` wins over pyproject.toml) goes to the
caller's `warn`: nothing here prints.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from credgate import baseline as baseline_mod
from credgate import config as config_mod
from credgate import gitio
from credgate.baseline import BASELINE_NAME, LEGACY_NAME, Baseline
from credgate.engine.finding import Finding
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from credgate.gate.report import Report
from credgate.gate.scanning import build_scanner

WEAKENED = "gate-config-weakened"
_NOTICE_RANK = {"hide": 0, "report": 1, "block": 2}
# Where a line for the user goes (stderr, in the commands): the gate decides, it never prints.
Warn = Callable[[str], None]


def _drop(line: str) -> None:
    pass


@dataclass
class GateState:
    """The gate's own files as one revision has them (paths repo-relative, posix)."""

    rev: str | None  # None: no base revision, the built-in defaults
    config_path: str
    config_data: bytes | None
    cfg: config_mod.Config
    baseline_path: str | None
    baseline: Baseline | None
    rule_files: dict[str, bytes] = field(default_factory=dict)
    # Found by credgate (.credgate.toml or pyproject.toml), not named: other revisions are read alike.
    auto: bool = False

    def describe(self) -> str:
        if self.rev is None:
            return "built-in defaults (no base revision)"
        what = self.config_path if self.config_data is not None else "built-in defaults"
        return f"{what} at {self.rev[:12]}"


def _within(base_dir: str, rel: str, where: str, key: str) -> str:
    path = posixpath.normpath(posixpath.join(base_dir, rel))
    if path.startswith("../") or path == ".." or posixpath.isabs(rel):
        raise UsageError(f"{where}: {key} {rel} is outside the repository", f"fix {key} in {where}")
    return path


def _config_at(
    rev: str, config_path: str | None, cwd: str | None, warn: Warn
) -> tuple[str, bytes | None, config_mod.Config]:
    """(path, bytes, config) of the gate's config at rev. Without an explicit path: `.credgate.toml`,
    else pyproject.toml's `[tool.credgate]`; when both exist `.credgate.toml` wins, and stderr says so."""
    if config_path is not None and posixpath.basename(config_path) != config_mod.PYPROJECT_NAME:
        data = gitio.file_at(rev, config_path, cwd)
        where = f"{rev[:12]}:{config_path}"
        return config_path, data, config_mod.parse(data, where) if data is not None else config_mod.Config()
    auto = config_path is None
    if config_path is None:
        data = gitio.file_at(rev, config_mod.CONFIG_NAME, cwd)
        pdata = gitio.file_at(rev, config_mod.PYPROJECT_NAME, cwd)
        if data is not None:
            pwhere = f"{rev[:12]}:{config_mod.PYPROJECT_NAME}"
            if pdata is not None and config_mod.pyproject_table(pdata, pwhere) is not None:
                warn(config_mod.both_configs_note(rev[:12]))
            where = f"{rev[:12]}:{config_mod.CONFIG_NAME}"
            return config_mod.CONFIG_NAME, data, config_mod.parse(data, where)
        config_path = config_mod.PYPROJECT_NAME
    else:
        pdata = gitio.file_at(rev, config_path, cwd)
    cfg = config_mod.parse_pyproject(pdata, f"{rev[:12]}:{config_path}") if pdata is not None else None
    if cfg is None:  # no pyproject.toml, or one without the table: the built-in defaults
        return (config_mod.CONFIG_NAME if auto else config_path), None, config_mod.Config()
    return config_path, pdata, cfg


def read_state(
    rev: str | None, config_path: str | None = None, cwd: str | None = None, warn: Warn = _drop
) -> GateState:
    """The config, custom rules and baseline at rev, validated like the files on disk (exit 2).
    config_path None: the config credgate finds by itself (`.credgate.toml` or pyproject.toml).
    `warn` gets the one line saying `.credgate.toml` wins over pyproject.toml's table."""
    if rev is None:
        return GateState(None, config_path or config_mod.CONFIG_NAME, None, config_mod.Config(), None, None)
    auto = config_path is None
    config_path, data, cfg = _config_at(rev, config_path, cwd, warn)
    where = f"{rev[:12]}:{config_path}"
    base_dir = posixpath.dirname(config_path)
    state = GateState(rev, config_path, data, cfg, None, None, auto=auto)
    for rel in cfg.rule_files:
        path = _within(base_dir, rel, where, "rules")
        content = gitio.file_at(rev, path, cwd)
        if content is None:
            raise UsageError(
                f"{where}: rule file {rel} does not exist at {rev[:12]}", f"fix rules in {where}"
            )
        state.rule_files[path] = content
    if cfg.baseline is not None:
        state.baseline_path = _within(base_dir, cfg.baseline, where, "baseline")
    else:
        for name in (BASELINE_NAME, LEGACY_NAME):  # the old single-document file is still read
            if gitio.file_at(rev, name, cwd) is not None:
                state.baseline_path = name
                break
    if state.baseline_path is not None:
        content = gitio.file_at(rev, state.baseline_path, cwd)
        if content is None:
            raise UsageError(
                f"{where}: baseline {cfg.baseline} does not exist at {rev[:12]}",
                "create it with `credgate baseline`, or remove the setting",
            )
        state.baseline = baseline_mod.load_text(content, f"{rev[:12]}:{state.baseline_path}")
    return state


def start_state(rev: str, gate: GateState, warn: Warn = _drop) -> GateState:
    """The gate's files where the change started (the merge base), to compare the change with.
    If that older revision's config does not load, the base revision's stands in for it."""
    if rev == gate.rev:
        return gate
    try:
        return read_state(rev, None if gate.auto else gate.config_path, warn=warn)
    except UsageError:
        return gate


def scanner_for(state: GateState) -> Scanner:
    """The scanner the state's config describes; custom rules come from the revision, not the disk.

    Built-in rules come from the rules cache; the revision's own rule files are parsed from their
    bytes and never cached (a server would otherwise keep one cache file per push)."""
    if not state.rule_files:
        return build_scanner(state.cfg)
    from credgate.engine import rules as rules_mod
    from credgate.gate.scanning import cache_dir

    where = state.cfg.path or "the rule files"
    try:
        custom = []
        for rel, content in state.rule_files.items():
            custom.extend(rules_mod.load_bytes(content, rel))
        ruleset = rules_mod.RuleSet([*rules_mod.load((), cache_dir()).rules, *custom])
        if state.cfg.disable_rules:
            ruleset = ruleset.without(state.cfg.disable_rules)
        for rule in custom:
            rule.secret_groups  # noqa: B018 - compiled now: a broken rule is a config error, not a crash
    except rules_mod.RuleError as exc:
        raise UsageError(str(exc), f"fix the rule or its entry in {where}") from None
    return Scanner(
        ruleset, notices=state.cfg.notices, allow_values=tuple(p.encode() for p in state.cfg.allow_values)
    )


def apply_baseline(report: Report, state: GateState, tip: str) -> Report:
    """Move the findings the base revision's baseline accepts out of the report, and count them.

    Entries bind to their path (following renames up to `tip`), and an entry counts only if its
    value was already at its path in the base's history: the base's baseline cannot approve a
    value in advance.
    """
    from credgate.gate.scanning import accept_large
    from credgate.gate.scanning import apply_baseline as apply_common

    report = accept_large(report, state.cfg)  # the base's allow-large, like its baseline
    if state.baseline is None or state.rev is None or not report.findings:
        return report

    try:
        root: str | None = gitio.toplevel()
    except UsageError:
        root = None  # a bare repository (pre-receive): content is read from the commits
    cfg = replace(state.cfg, baseline=state.baseline_path, _spec=None)
    verify = baseline_mod.committed_before(state.baseline.entries, state.rev, root, cfg.max_file_size)
    return apply_common(report, cfg, root=root or os.getcwd(), tip=tip, loaded=state.baseline, verify=verify)


# ------------------------------------------------------------------------ what a change does to the gate


def _toml(data: bytes) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return doc


def _rule_tables(files: dict[str, bytes]) -> dict[str, tuple[str, Any]]:
    tables: dict[str, tuple[str, Any]] = {}
    for path, content in files.items():
        doc = _toml(content) or {}
        raw = doc.get("rule", [])
        for table in raw if isinstance(raw, list) else []:
            if isinstance(table, dict) and isinstance(table.get("id"), str):
                tables[table["id"]] = (path, table)
    return tables


def _line_of(data: bytes | None, key: str, path: str = "") -> int:
    if not data:
        return 1
    start = 0
    if (
        posixpath.basename(path) == config_mod.PYPROJECT_NAME
    ):  # the key in credgate's table, not another tool's
        table = re.search(rb"(?m)^[ \t]*\[[ \t]*tool\.credgate[ \t]*\]", data)
        start = table.end() if table else 0
    m = re.compile(rb"(?m)^[ \t]*\"?" + re.escape(key.encode()) + rb"\"?[ \t]*=").search(data, start)
    return data.count(b"\n", 0, m.start()) + 1 if m else 1


def _quoted(items: list[str]) -> str:
    return ", ".join(f'"{i}"' for i in items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def weakenings(
    old: GateState, head: str, cwd: str | None = None, warn: Warn = _drop
) -> list[tuple[str, str, int]]:
    """(path, what, line) for each way the head revision weakens the gate relative to `old`.
    `what` quotes config values as they are: the output escapes them for its format."""
    out: list[tuple[str, str, int]] = []
    cpath = old.config_path
    try:
        new = read_state(head, None if old.auto else cpath, cwd, warn)
    except UsageError as exc:
        return [(cpath, f"the gate's config no longer loads ({exc.message})", 1)]
    a, b, data = old.cfg, new.cfg, new.config_data
    cpath = new.config_path if new.config_data is not None else cpath

    def add(key: str, what: str) -> None:
        out.append((cpath, what, _line_of(data, key, cpath)))

    # max-file-size is no weakening either way: a file over it blocks, one under it is scanned. What a
    # reviewer waves through unscanned is `allow-large`.
    if added := [p for p in b.allow_large if p not in a.allow_large]:
        add("allow-large", f"allow-large adds {_quoted(added)}")
    # An exclude pattern leaves files out; a `!pattern` brings them back in.
    if added := [p for p in b.allow_values if p not in a.allow_values]:
        add("allow-values", f"allow-values adds {_quoted(added)}")
    if added := [p for p in b.exclude if p not in a.exclude and not p.startswith("!")]:
        add("exclude", f"exclude adds {_quoted(added)}")
    if dropped := [p for p in a.exclude if p not in b.exclude and p.startswith("!")]:
        add("exclude", f"exclude drops {_quoted(dropped)}")
    if added := [r for r in b.disable_rules if r not in a.disable_rules]:
        add("disable-rules", f"disable-rules adds {_quoted(added)}")
    if _NOTICE_RANK[b.notices] < _NOTICE_RANK[a.notices]:
        add("notices", f'notices changed from "{a.notices}" to "{b.notices}"')
    if dropped := [p for p in a.protect if p not in b.protect]:
        add("protect", f"protect drops {_quoted(dropped)}")
    if added := [p for p in b.unprotect if p not in a.unprotect]:
        add("unprotect", f"unprotect adds {_quoted(added)}")
    if b.allow_config_changes and not a.allow_config_changes:
        add("allow-config-changes", "allow-config-changes turned on")
    old_rules, new_rules = _rule_tables(old.rule_files), _rule_tables(new.rule_files)
    for rid, (path, table) in sorted(old_rules.items()):
        if rid not in new_rules:
            out.append((path, f"custom rule {rid} removed", 1))
        elif new_rules[rid][1] != table:
            where = new_rules[rid][0]
            out.append((where, f"custom rule {rid} changed", _line_of(new.rule_files[where], "id")))
    if new.baseline is not None:
        accepted = baseline_mod.added_entries(old.baseline, new.baseline)
        if accepted:
            what = f"the baseline accepts {len(accepted)} more finding(s): {_quoted(accepted)}"
            out.append((new.baseline_path or BASELINE_NAME, what, 1))
    return out


def untouched(start: str, head: str, old: GateState, cwd: str | None = None) -> bool:
    """Whether the change leaves the gate's files as they were where it started: then it changes
    nothing about the gate, even if they differ from the base's (the base moved on since)."""
    paths = {old.config_path, BASELINE_NAME, LEGACY_NAME, *old.rule_files}
    if old.auto:
        paths |= {config_mod.CONFIG_NAME, config_mod.PYPROJECT_NAME}
    if old.baseline_path:
        paths.add(old.baseline_path)
    return all(gitio.file_at(start, p, cwd) == gitio.file_at(head, p, cwd) for p in sorted(paths))


def change_findings(
    old: GateState,
    base_cfg: config_mod.Config,
    head: str,
    start: str | None = None,
    cwd: str | None = None,
    warn: Warn = _drop,
) -> list[Finding]:
    """Findings for the reviewer: blocking unless the base's config allows such changes.
    `start` is where the change began (old's revision, unless old stands in for it)."""
    if untouched(start or old.rev or head, head, old, cwd):
        return []
    allowed = base_cfg.allow_config_changes
    hint = (
        "this run used the base revision's rules, not the change's. Make the change in its own pull request "
        "for the owners of the secret gate to review, or set allow-config-changes = true in the base's config"
    )
    findings = []
    for path, what, line in weakenings(old, head, cwd, warn):
        findings.append(
            Finding(
                rule_id=WEAKENED,
                rule_name=f"this change weakens the secret gate: {what}",
                severity="high",
                confidence="high",
                path=path,
                line=line,
                col=1,
                end_line=line,
                hint=hint,
                url="",
                secret=b"",
                commit=head,
                advisory=f"{what} (allowed: the base's config sets allow-config-changes = true)"
                if allowed
                else "",
            )
        )
    return findings
