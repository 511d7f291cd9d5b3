"""Whether `.gitignore` keeps credential files out: ONE probe definition for `check-gitignore`,
`audit` and `init`, and the plan of the managed block `--fix` writes.

Every protected name (policy.protected_list: `.env`, `.env.*`, `*.pem`...) is probed at the root, in a
synthetic directory one and two levels down, in and below the directory of every .gitignore (a deeper
file can re-include what the root ignores), and wherever a `!` line points (`!config/.env.local` is
probed at `config/.env.local`), then judged with git's own precedence by credgate.ignore, without
touching the work tree. A name ignored only through .git/info/exclude or core.excludesFile counts as NOT
covered: those files live on one machine.

Decisions only; the text and JSON are output/gitignore.py's.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from dataclasses import dataclass, field
from typing import Sequence

from credgate import config as config_mod
from credgate import gitio, ignore, policy
from credgate.errors import CLEAN, FINDINGS, UsageError
from credgate.gitio import IgnoreSource

BLOCK_START = "# >>> credgate: credential files (managed by credgate check-gitignore --fix)"
BLOCK_END = "# <<< credgate"
PROBE_DIR = "credgate-probe"
DEEP_DIR = "credgate-probe/deeper"
ROOT = ".gitignore"
_GLOB = frozenset("*?[\\")

# What the incident was about blocks by default: dotenv files and private keys (and any pattern the
# repository listed itself in `protect`). The rest of the list (keystores, tool and cloud credential
# files, state files) is advice: one line, never a failed commit, unless --strict. The credential-file
# gate (`credgate files`) still blocks every one of those files by name when it is staged.
BLOCKING_KINDS = frozenset({"env", "private-key", "custom"})


def is_blocking(item: policy.Protected, strict: bool = False) -> bool:
    """Whether a pattern missing from .gitignore fails the check (`check-gitignore` and `audit` alike)."""
    return strict or item.kind in BLOCKING_KINDS


# ---------------------------------------------------------------- where to probe


def probe_dirs(sources: Sequence[IgnoreSource]) -> list[str]:
    """The directories every protected name is probed in, for every caller.

    The root, one and two levels below it ("at any depth": `*/.env.local` and `*/*/.env.local` name
    those), each .gitignore's own directory (an anchored `!/.env.local` in `svc/.gitignore` re-includes
    `svc/.env.local` only) and one level below it, and the directory each `!` line names.
    """
    dirs = ["", DEEP_DIR, PROBE_DIR]
    for s in sources:
        if s.kind == "gitignore":
            if s.base:
                dirs.append(s.base)
            dirs.append(posixpath.join(s.base, PROBE_DIR))
    for neg in negations(sources):
        dirs.append(neg.directory)
    return list(dict.fromkeys(d.strip("/") if d else d for d in dirs))


@dataclass(frozen=True)
class Negation:
    """A `!` line reduced to a concrete place: the directory it re-includes in, and a file name it
    matches ("" when none can be made: a bracket class or an escape)."""

    directory: str
    name: str


def _concrete(part: str) -> str | None:
    """A directory name the glob part matches (`*` and `**` -> credgate-probe, `?` -> x); None for a
    bracket class or an escape, which are left to the fixed probes."""
    if "[" in part or "\\" in part:
        return None
    if part == "**":
        return PROBE_DIR
    return part.replace("*", PROBE_DIR).replace("?", "x")


def negations(sources: Sequence[IgnoreSource]) -> list[Negation]:
    """Every `!` line of sources that names a file (a `!dir/` line re-includes a directory, and git
    never re-includes a file whose directory is excluded, so it is judged through its files' probes)."""
    out = []
    for s in sources:
        base = s.base.strip("/") if s.kind == "gitignore" else ""
        for number, text in enumerate(s.lines, 1):
            if number == 1:
                text = text.removeprefix("\ufeff")  # git skips a UTF-8 byte order mark
            pattern = ignore.compile_line(s.kind, s.path, number, text)
            if pattern is None or not pattern.rule.negated or pattern.dir_only:
                continue
            body = pattern.rule.pattern[1:].strip("/")
            head, _, name = body.rpartition("/")
            parts = [_concrete(p) for p in head.split("/")] if head else []
            if any(p is None for p in parts):
                continue
            directory = posixpath.join(base, *[p for p in parts if p]) if parts else base
            # A glob name is made concrete the same way (`!release-*.pem` -> release-credgate-probe.pem).
            concrete = _concrete(name) if name and name != "**" else None
            out.append(Negation(directory, concrete if concrete and not _GLOB & set(concrete) else ""))
    return out


def with_negated_names(
    protected: Sequence[policy.Protected], sources: Sequence[IgnoreSource]
) -> list[policy.Protected]:
    """protected with each name a `!` line re-includes added to the probes of the patterns that name
    it: `!.env.special` is no `.env.*` probe of its own, but it is a dotenv file let in."""
    names = list(dict.fromkeys(n.name for n in negations(sources) if n.name))
    if not names:
        return list(protected)
    out = []
    for item in protected:
        if ignore.is_anchored(item.pattern) or item.pattern.startswith("!"):
            out.append(item)
            continue
        matcher = ignore.pattern_list([item.pattern], "protect")
        extra = tuple(n for n in names if n not in item.probes and matcher.is_ignored(n)
                      and posixpath.basename(n) not in policy.ENV_TEMPLATES)  # fmt: skip
        out.append(policy.Protected(item.pattern, item.kind, item.why, item.probes + extra, item.by_content)
                   if extra else item)  # fmt: skip
    return out


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
    protected = with_negated_names(protected, sources)  # every caller (init too) probes what a `!` names
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


def status(results: Sequence[ignore.ProbeResult]) -> str:
    if any(not r.ignored for r in results):
        return "not-ignored"
    if any(r.personal_only for r in results):
        return "personal-only"
    return "covered"


# ---------------------------------------------------------------- `credgate check-gitignore`


@dataclass
class Judgement:
    """Everything `check-gitignore` decided, for output/gitignore.py to render."""

    top: str
    protected: list[policy.Protected]
    blocking: frozenset[str]
    sources: list[IgnoreSource]
    dirs: list[str]
    raw: str | None  # the root .gitignore as read, None when there is none
    root: RootFile
    fix_plan: Plan
    required: list[str]  # the lines the blocking patterns need (the printed one-line fix adds only these)
    coverage: ignore.Coverage
    removals: list[Removal]
    changed: bool  # --fix rewrote the root .gitignore

    @property
    def rc(self) -> int:
        blocked = any(p in self.blocking for p in self.coverage.failing_patterns())
        return FINDINGS if self.changed or blocked else CLEAN


def judge(top: str, cfg: config_mod.Config, *, fix: bool = False, strict: bool = False) -> Judgement:
    """Judge the work tree's ignore rules; with fix=True, rewrite credgate's block in the root .gitignore."""
    sources = gitio.ignore_sources(top)
    shared = gitio.shared_ignore_sources(top)
    # The patterns as listed, with the names a `!` line re-includes probed too.
    protected = with_negated_names(policy.protected_list(cfg.protect, cfg.unprotect), [*sources, *shared])
    blocking = frozenset(p.pattern for p in protected if is_blocking(p, strict))
    dirs = probe_dirs([*sources, *shared])
    raw = read_root(top)
    root = parse_root(raw)
    fix_plan = plan(sources, protected, dirs, root)
    required = plan(sources, [p for p in protected if p.pattern in blocking], dirs, root).body
    changed = False
    if fix and fix_plan.changes(root):
        write_root(top, fix_plan.lines)
        changed = True
        cov = fix_plan.coverage
    else:
        # Judged against the .gitignore files as committed or staged: one only in this work tree
        # (untracked, or hidden by info/exclude) protects nobody else.
        cov = ignore.coverage(sources, protected, dirs, shared)
    to_remove = removals(fix_plan, dirs)
    return Judgement(top, protected, blocking, sources, dirs, raw, root, fix_plan, required, cov, to_remove,
                     changed)  # fmt: skip


# ---------------------------------------------------------------- `credgate audit`, check 3


def committed_ignore_sources(layout: gitio.Layout) -> list[IgnoreSource]:
    """The ignore rules every clone gets: each .gitignore in HEAD's tree, plus this clone's personal
    excludes (which the coverage check reports as personal-only, never as coverage)."""
    personal: list[IgnoreSource] = []
    if layout.work_tree is not None:
        personal = [s for s in gitio.ignore_sources(layout.work_tree) if s.kind != "gitignore"]
    return personal + gitio.committed_gitignores("HEAD", cwd=layout.git_dir)


def coverage_of(sources: Sequence[IgnoreSource], protected: Sequence[policy.Protected]) -> ignore.Coverage:
    """The coverage of protected under sources, probed as every caller probes."""
    return ignore.coverage(sources, with_negated_names(protected, sources), probe_dirs(sources))


@dataclass
class Committed:
    """What the audit decides about the committed .gitignore files."""

    coverage: ignore.Coverage
    uncovered: list[ignore.ProbeResult]  # blocking patterns' probes nothing ignores
    personal: list[ignore.ProbeResult]  # blocking patterns' probes only a personal exclude ignores
    advice: list[str]  # the other failing patterns
    disk_covers: bool  # the .gitignore files on disk would cover every probe (the edit is not committed)

    @property
    def safe(self) -> bool:
        return not self.uncovered and not self.personal


def committed_coverage(layout: gitio.Layout, protected: Sequence[policy.Protected]) -> Committed:
    # What is committed is what protects teammates and CI: an edit on this disk protects no one yet.
    cov = coverage_of(committed_ignore_sources(layout), protected)
    # The same split as `credgate check-gitignore`: dotenv files and private keys make it unsafe,
    # the rest of the list is advice.
    hard = {p.pattern for p in protected if is_blocking(p)}
    advice = [p for p in cov.failing_patterns() if p not in hard]
    uncovered = [r for r in cov.uncovered if r.pattern in hard]
    personal = [r for r in cov.personal_only if r.pattern in hard]
    disk_covers = False
    if (uncovered or personal) and layout.work_tree is not None:
        on_disk = coverage_of(gitio.ignore_sources(layout.work_tree), protected)
        disk_covers = not on_disk.uncovered and not on_disk.personal_only
    return Committed(cov, uncovered, personal, advice, disk_covers)
