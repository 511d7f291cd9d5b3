"""Hook `credgate-gitignore` / `credgate check-gitignore`: does `.gitignore` keep credential files out?

Every protected name (policy.protected_list: `.env`, `.env.*`, `*.pem`...) is
probed at the root, in a synthetic deep directory and beside every nested
.gitignore (a deeper file can re-include what the root ignores), and judged
with git's own precedence by credgate.ignore, without touching the work tree.

A name ignored only through .git/info/exclude or core.excludesFile counts as
NOT covered: those files live on one machine, and the incident this guards
against was a teammate committing `.env.master`.

What blocks (exit 1) is what the incident was about: dotenv files and private keys, plus any
pattern the repository protects itself; every other pattern is one line of advice, unless
`--strict`. The report is one line per pattern, and its fix works without credgate on PATH (a
pre-commit user's case): a shell line that appends the exact lines, or the manual-stage
`credgate-gitignore-fix` hook.

`--fix` keeps one marked block at the end of the root .gitignore and rewrites
only that block; user lines are never edited. It exits 1 when it changed the
file (the pre-commit convention: re-stage and commit again), 0 once nothing is
left to do. A negation in a nested .gitignore beats any root rule, so for those
it says which line to remove instead.
"""

from __future__ import annotations

import os
import posixpath
import shlex
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Sequence, TextIO

import click

from credgate import __version__, gitio, ignore, output_escape, policy
from credgate import config as config_mod
from credgate.errors import CLEAN, FINDINGS, UsageError
from credgate.gitio import IgnoreSource
from credgate.report import safe

BLOCK_START = "# >>> credgate: credential files (managed by credgate check-gitignore --fix)"
BLOCK_END = "# <<< credgate"
PROBE_DIR = "credgate-probe"
DEEP_DIR = "credgate-probe/deeper"
ROOT = ".gitignore"
_SHOWN = 3  # probe paths named per line before "+N more"


def probe_dirs(sources: Sequence[IgnoreSource]) -> list[str]:
    """The root, a deep directory ("at any depth"), and each .gitignore's directory plus one below it."""
    dirs = ["", DEEP_DIR]
    for s in sources:
        if s.kind == "gitignore" and s.base:
            dirs += [s.base, posixpath.join(s.base, PROBE_DIR)]
    return list(dict.fromkeys(dirs))


# ---------------------------------------------------------------- the root .gitignore and its block


@dataclass
class RootFile:
    """The root .gitignore split into lines, with the position of credgate's block."""

    exists: bool
    lines: list[str]  # without "\n"; a CRLF file keeps its "\r"
    eol: str  # "\r\n" when the file uses CRLF
    block: tuple[int, int] | None  # indexes of the start and end markers

    @property
    def user_lines(self) -> list[str]:
        if self.block is None:
            return list(self.lines)
        start, end = self.block
        return self.lines[:start] + self.lines[end + 1 :]

    @property
    def block_body(self) -> list[str]:
        if self.block is None:
            return []
        start, end = self.block
        return [line.rstrip("\r") for line in self.lines[start + 1 : end]]

    def with_block(self, body: Sequence[str]) -> list[str]:
        """All lines with the block holding body: in place if it exists, else at the end."""
        cr = "\r" if self.eol == "\r\n" else ""
        block = [line + cr for line in (BLOCK_START, *body, BLOCK_END)] if body else []
        if self.block is None:
            return self.lines + block
        start, end = self.block
        return self.lines[:start] + block + self.lines[end + 1 :]


def parse_root(text: str | None) -> RootFile:
    if text is None:
        return RootFile(False, [], "\n", None)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    eol = "\r\n" if lines and all(line.endswith("\r") for line in lines) else "\n"
    starts = [i for i, line in enumerate(lines) if line.rstrip() == BLOCK_START]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == BLOCK_END]
    block = None
    if starts or ends:
        if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
            raise UsageError(
                f"{ROOT}: credgate's block is damaged (its start and end markers do not pair up)",
                f"delete the lines from `{BLOCK_START}` to `{BLOCK_END}` and run --fix again",
            )
        block = (starts[0], ends[0])
    return RootFile(True, lines, eol, block)


def read_root(top: str) -> str | None:
    path = os.path.join(top, ROOT)
    if os.path.islink(path):
        raise UsageError(
            f"{ROOT} is a symbolic link, which git does not read for ignore rules",
            "replace it with a regular file",
        )
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{ROOT}: cannot read it: {exc.strerror}") from None


def write_root(top: str, lines: Sequence[str]) -> None:
    path = os.path.join(top, ROOT)
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    try:
        # Written beside it and renamed, so a hook interrupted half-way cannot truncate the file.
        fd, tmp = tempfile.mkstemp(prefix=".gitignore.", dir=top)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if os.path.exists(path):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            else:
                os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise UsageError(f"{ROOT}: cannot write it: {exc.strerror}", "check its permissions") from None


def with_root(sources: Sequence[IgnoreSource], lines: Sequence[str]) -> list[IgnoreSource]:
    """The sources as they would be with the root .gitignore holding lines."""
    root = IgnoreSource("gitignore", ROOT, "", tuple(lines))
    out = [s for s in sources if not (s.kind == "gitignore" and s.base == "")]
    first_nested = next((i for i, s in enumerate(out) if s.kind == "gitignore"), len(out))
    return out[:first_nested] + [root] + out[first_nested:]


# ---------------------------------------------------------------- planning the fix


@dataclass
class Plan:
    body: list[str]  # what credgate's block should hold
    lines: list[str]  # the whole root .gitignore with that block
    sources: list[IgnoreSource]
    coverage: ignore.Coverage

    def changes(self, root: RootFile) -> bool:
        return self.lines != root.lines


def plan(
    sources: Sequence[IgnoreSource],
    protected: Sequence[policy.Protected],
    dirs: Sequence[str],
    root: RootFile,
) -> Plan:
    """The smallest block that covers what appending to the root .gitignore can cover.

    Computed from the file without credgate's block, so a re-run reproduces the same block
    (and shrinks it when the user has since added a line themselves).
    """
    bare = with_root(sources, root.user_lines)
    failing = ignore.coverage(bare, protected, dirs).failing
    by_pattern = {p.pattern: p for p in protected}
    body: list[str] = []
    for pattern in dict.fromkeys(r.pattern for r in failing):
        item = [by_pattern[pattern]]
        without = ignore.coverage(with_root(sources, root.with_block(body)), item, dirs).failing
        with_it = ignore.coverage(with_root(sources, root.with_block([*body, pattern])), item, dirs).failing
        # A line that helps nowhere (a nested `!` wins, or an earlier block line covers it) is clutter.
        if len(with_it) < len(without):
            body.append(pattern)
    body += template_negations(bare, with_root(sources, root.with_block(body)), dirs)
    lines = root.with_block(body)
    new_sources = with_root(sources, lines)
    return Plan(body, lines, new_sources, ignore.coverage(new_sources, protected, dirs))


def template_negations(
    before: Sequence[IgnoreSource], after: Sequence[IgnoreSource], dirs: Sequence[str]
) -> list[str]:
    """`!.env.example` and friends for templates the block would newly ignore (they are committed
    on purpose); a template the user already ignores stays ignored."""
    old, new = ignore.Matcher(before), ignore.Matcher(after)
    out = []
    for name in sorted(policy.ENV_TEMPLATES):
        paths = [posixpath.join(d, name) for d in dirs]
        if any(new.is_ignored(p) and not old.is_ignored(p) for p in paths):
            out.append("!" + name)
    return out


@dataclass
class Removal:
    rule: ignore.Rule
    probes: list[str] = field(default_factory=list)


def removals(plan: Plan, dirs: Sequence[str]) -> list[Removal]:
    """The `!` lines that still re-include a protected name once the block is in place."""
    repo = ignore.Matcher([s for s in plan.sources if s.kind not in ignore.PERSONAL_KINDS])
    found: dict[ignore.Rule, Removal] = {}
    for r in plan.coverage.failing:
        rule = repo.check(r.probe).rule
        if rule is not None and rule.negated:
            found.setdefault(rule, Removal(rule)).probes.append(r.probe)
    return list(found.values())


# ---------------------------------------------------------------- reporting


def shown_source(path: str, top: str) -> str:
    """info/exclude and core.excludesFile are absolute: show them relative to the work tree when inside it."""
    if os.path.isabs(path):
        rel = os.path.relpath(path, top)
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return path


def rule_text(rule: ignore.Rule, top: str) -> str:
    return safe(f"{shown_source(rule.source_path, top)}:{rule.line}: {rule.pattern}")


def _some(paths: Sequence[str]) -> str:
    shown = ", ".join(safe(p) for p in paths[:_SHOWN])
    return shown + (f" (+{len(paths) - _SHOWN} more)" if len(paths) > _SHOWN else "")


def status(results: Sequence[ignore.ProbeResult]) -> str:
    if any(not r.ignored for r in results):
        return "not-ignored"
    if any(r.personal_only for r in results):
        return "personal-only"
    return "covered"


# What the incident was about blocks by default: dotenv files and private keys (and any pattern the
# repository listed itself in `protect`). The rest of the list (keystores, tool and cloud credential
# files, state files) is advice: one line, never a failed commit, unless --strict. The credential-file
# gate (`credgate files`) still blocks every one of those files by name when it is staged.
BLOCKING_KINDS = frozenset({"env", "private-key", "custom"})


def is_blocking(item: policy.Protected, strict: bool = False) -> bool:
    """Whether a pattern missing from .gitignore fails the check (`audit` uses the same split)."""
    return strict or item.kind in BLOCKING_KINDS


def _where(results: Sequence[ignore.ProbeResult], top: str) -> str:
    """Why one pattern's probes fail, on one line: the probes grouped by what decided them."""
    groups: dict[tuple[str, ignore.Rule | None], list[str]] = {}
    for r in results:
        if not r.ignored:
            groups.setdefault(("not", r.decided_by), []).append(r.probe)
        elif r.personal_only:
            groups.setdefault(("personal", r.decided_by), []).append(r.probe)
    parts = []
    for (what, rule), probes in groups.items():
        if what == "personal" and rule is not None and rule.source_kind == "gitignore":
            where = f"ignored only by {rule_text(rule, top)}, which is not committed or staged"
        elif what == "personal" and rule is not None:
            where = f"ignored only by {rule_text(rule, top)} (this machine only)"
        elif what == "personal":
            where = "ignored only by a personal excludes file (this machine only)"
        elif rule is not None:
            where = f"re-included by {rule_text(rule, top)}"
        else:
            where = "not ignored: no rule matches"
        parts.append(f"{_some(probes)}  {where}")
    return "; ".join(parts)


def append_command(lines: Sequence[str], root: RootFile, raw: str | None) -> str:
    """A shell line that appends lines to the root .gitignore and stages it: copy-pasteable from any
    shell, with nothing installed but git (a pre-commit user has no `credgate` on PATH)."""
    # A last user line without its newline must stay whole: end it first.
    sep = f"echo >> {ROOT} && " if raw and not raw.endswith("\n") else ""
    quoted = " ".join(shlex.quote(safe(line)) for line in lines)
    return f"{sep}printf '%s\\n' {quoted} >> {ROOT} && git add {ROOT}"


def fix_commands(lines: Sequence[str], root: RootFile, raw: str | None) -> list[str]:
    """How to fix it from where the user is: under pre-commit, credgate is not on PATH."""
    out = [f"fix: {append_command(lines, root, raw)}"]
    if os.environ.get("PRE_COMMIT") == "1":
        out.append(
            " or: pre-commit run credgate-gitignore-fix --hook-stage manual  (add"
            " `- id: credgate-gitignore-fix` to credgate's hooks in .pre-commit-config.yaml;"
            " it adds every missing pattern)"
        )
    else:
        out.append(
            " or: credgate check-gitignore --fix  (adds every missing pattern, in a block credgate manages)"
        )
    return out


def write_text(
    cov: ignore.Coverage,
    protected: Sequence[policy.Protected],
    root: RootFile,
    fix_plan: Plan,
    to_remove: list[Removal],
    changed: bool,
    top: str,
    out: TextIO,
    *,
    blocking: frozenset[str] = frozenset(),
    required: Sequence[str] = (),
    raw: str | None = None,
    verbose: bool = False,
) -> None:
    """One line per blocking pattern, one line for the advice, then the fix: a short report that
    puts the finding first (the incident repository gets about a dozen lines)."""
    if changed:
        verb = "updated credgate's block in" if root.block else "added credgate's block to"
        print(f"credgate: {verb} {ROOT}; review it, then stage it: git add {ROOT}", file=out)
    failing = cov.failing_patterns()
    hard = [p for p in failing if p in blocking]
    soft = [p for p in failing if p not in blocking]
    why = {p.pattern: p.why for p in protected}
    if hard:
        n = len(hard)
        print(f"credgate: {ROOT} does not keep out {n} credential file pattern{'s' * (n != 1)}:", file=out)
        for pattern in hard:
            results = [r for r in cov.results if r.pattern == pattern]
            print(f"  {safe(pattern)}  {_where(results, top)}  ({safe(why.get(pattern, ''))})", file=out)
    if soft and (hard or verbose):
        n = len(soft)
        print(
            f"credgate: advice (not blocking; --strict blocks on them): {n} more pattern{'s' * (n != 1)}"
            f" not ignored: {', '.join(safe(p) for p in soft)}",
            file=out,
        )
    if not hard:
        return
    shown = [r for r in cov.results if r.pattern in blocking]
    unshared = sorted(
        {r.decided_by.source_path for r in shown if r.personal_only and r.decided_by is not None
         and r.decided_by.source_kind == "gitignore"}
    )  # fmt: skip
    if unshared:
        quoted = " ".join(shlex.quote(safe(p)) for p in unshared)
        print(f"  a .gitignore protects teammates and CI once it is committed: git add -- {quoted}", file=out)
    if any(r.personal_only and (r.decided_by is None or r.decided_by.source_kind != "gitignore")
           for r in shown):  # fmt: skip
        print(f"  info/exclude and core.excludesFile stay on this machine: put the rule in {ROOT}", file=out)
    add = [line for line in required if line not in root.block_body]
    if add and not changed:
        for line in fix_commands(add, root, raw):
            print(line, file=out)
    if to_remove:
        print("Remove these lines: no line added to the root .gitignore can override them.", file=out)
        for item in to_remove:
            if item.rule.source_path == ROOT:
                reason = "it comes after credgate's block, and the last matching line wins"
            else:
                reason = "a .gitignore in a subdirectory overrides the root one"
            print(f"    {rule_text(item.rule, top)}  re-includes {_some(item.probes)}; {reason}", file=out)


def to_json(
    cov: ignore.Coverage,
    protected: Sequence[policy.Protected],
    root: RootFile,
    fix_plan: Plan,
    to_remove: list[Removal],
    changed: bool,
    top: str,
    rc: int,
    blocking: frozenset[str] = frozenset(),
) -> str:
    def rule_doc(rule: ignore.Rule | None) -> dict[str, object] | None:
        if rule is None:
            return None
        return {
            "source_kind": rule.source_kind,
            "source": safe(shown_source(rule.source_path, top)),
            "line": rule.line,
            "pattern": safe(rule.pattern),
            "negated": rule.negated,
        }

    patterns = []
    for item in protected:
        results = [r for r in cov.results if r.pattern == item.pattern]
        patterns.append(
            {
                "pattern": item.pattern,
                "kind": item.kind,
                "why": item.why,
                "blocking": item.pattern in blocking,
                "status": status(results),
                "probes": len(results),
                "failing": [
                    {
                        "probe": safe(r.probe),
                        "ignored": r.ignored,
                        "personal_only": r.personal_only,
                        "rule": rule_doc(r.decided_by),
                    }
                    for r in results
                    if not r.ignored or r.personal_only
                ],
            }
        )
    doc = {
        "tool": "credgate",
        "version": __version__,
        "exit_code": rc,
        "covered": cov.covered,
        "gitignore": ROOT,
        "patterns": patterns,
        "add": [safe(line) for line in fix_plan.body if line not in root.block_body] if not changed else [],
        "block": [safe(line) for line in (fix_plan.body if changed else root.block_body)],
        "remove": [
            {**(rule_doc(item.rule) or {}), "probes": [safe(p) for p in item.probes]} for item in to_remove
        ],
        "fixed": changed,
    }
    return output_escape.dumps_json(doc)


# ---------------------------------------------------------------- the command


FORMATS = ("text", "json")


def run(
    *,
    fix: bool = False,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    cwd: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    strict: bool = False,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if fmt not in FORMATS:
        # A coverage verdict has no file line to annotate: SARIF, JUnit and annotations would be made up.
        raise UsageError(
            f"check-gitignore has no {safe(fmt)} output", f"use --format {' or --format '.join(FORMATS)}"
        )
    top = gitio.toplevel(cwd)
    cfg = config_mod.find(top, config_path)
    protected = policy.protected_list(cfg.protect, cfg.unprotect)
    blocking = frozenset(p.pattern for p in protected if is_blocking(p, strict))
    sources = gitio.ignore_sources(top)
    dirs = probe_dirs(sources)
    raw = read_root(top)
    root = parse_root(raw)
    fix_plan = plan(sources, protected, dirs, root)
    # The lines the blocking patterns need (the printed one-line fix adds only these).
    required = plan(sources, [p for p in protected if p.pattern in blocking], dirs, root).body
    changed = False
    if fix and fix_plan.changes(root):
        write_root(top, fix_plan.lines)
        changed = True
        cov = fix_plan.coverage
    else:
        # Judged against the .gitignore files as committed or staged: one only in this work tree
        # (untracked, or hidden by info/exclude) protects nobody else.
        cov = ignore.coverage(sources, protected, dirs, gitio.shared_ignore_sources(top))
    to_remove = removals(fix_plan, dirs)
    blocked = any(p in blocking for p in cov.failing_patterns())
    rc = FINDINGS if changed or blocked else CLEAN
    if fmt == "json":
        print(to_json(cov, protected, root, fix_plan, to_remove, changed, top, rc, blocking), file=out)
    else:
        write_text(cov, protected, root, fix_plan, to_remove, changed, top, out,
                   blocking=blocking, required=required, raw=raw, verbose=verbose)  # fmt: skip
        if verbose:
            n = len({r.probe for r in cov.results})
            print(
                f"credgate: checked {len(protected)} credential file patterns ({len(blocking)} blocking;"
                f" {n} probe paths in {len(dirs)} directories) against {len(sources)} ignore file(s)",
                file=err,
            )
    return rc


@click.command("check-gitignore")
@click.option(
    "--fix",
    is_flag=True,
    help="Add the missing lines to the root .gitignore, in a block credgate manages (exit 1 when it did).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on every credential file pattern, not only dotenv files and private keys.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file to use instead of .credgate.toml at the repository root.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Also list the advice when nothing blocks.")
# Not scan_options: a coverage verdict has no file line for SARIF, JUnit or annotations.
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.pass_context
def command(
    ctx: click.Context, fix: bool, strict: bool, fmt: str, verbose: bool, config_path: str | None
) -> None:
    """Check that .gitignore keeps credential files (.env.*, keys, keystores...) out of git.

    Exit 1 when a dotenv or private-key pattern (any pattern with --strict, and any `protect`
    pattern) is not ignored by the repository's own .gitignore files, or is ignored only by a
    personal excludes file, or when --fix changed .gitignore; the other patterns are advice.
    """
    ctx.exit(run(fix=fix, strict=strict, fmt=fmt, verbose=verbose, config_path=config_path))
