"""Is a path ignored, and by which rule: git's `.gitignore` semantics, without running git.

Pure: the ignore sources come in as data (`gitio.ignore_sources`), nothing here
runs git, reads files or prints. Single patterns are compiled with pathspec's
git-flavoured wildmatch; everything around them follows git's own `dir.c`
rather than pathspec's `GitIgnoreSpec`, because a coverage verdict has to be
git's verdict:

- a path is checked directory by directory from the top: once a leading
  directory is excluded, everything below it is, whatever later rules say
  (git does not even read .gitignore files inside it);
- at each level, the last matching pattern of the highest-priority source
  decides: a deeper .gitignore, then a shallower one, then info/exclude, then
  core.excludesFile; a `!` pattern that decides means "not ignored";
- a pattern without a slash (other than a trailing one) matches the last
  component at any depth below its file; one with a slash is anchored to the
  directory of its file; a trailing slash means directories only.

Paths are compared as bytes (decoded as latin-1 for the regexes), as git
compares them, so `?` is one byte and undecodable names still match.
Matching is case-sensitive on purpose: a teammate on a case-sensitive file
system gets exactly that, even when this clone sets core.ignoreCase.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from typing import Sequence

from credgate.gitio import IgnoreSource
from credgate.policy import ENV_TEMPLATES, Protected

PERSONAL_KINDS = frozenset({"info/exclude", "core.excludesFile"})
_RANK = {"core.excludesFile": 0, "info/exclude": 1}  # .gitignore files rank above both, deeper higher


@dataclass(frozen=True)
class Rule:
    """One line of an ignore file."""

    source_kind: str  # "gitignore", "info/exclude" or "core.excludesFile"
    source_path: str  # IgnoreSource.path: repo-relative for .gitignore files, absolute otherwise
    line: int  # 1-based
    pattern: str  # the line as git reads it (trailing spaces trimmed), `!` included
    negated: bool

    def __str__(self) -> str:
        return f"{self.source_path}:{self.line}: {self.pattern}"


@dataclass(frozen=True)
class Verdict:
    ignored: bool
    rule: Rule | None  # the rule that decided (a `!` rule when it re-included the path), or None


@dataclass(frozen=True)
class ProbeResult:
    pattern: str  # policy.Protected.pattern
    probe: str  # repo-relative path tested ("dir/" for a directory)
    ignored: bool
    decided_by: Rule | None
    # Whether the repository's own .gitignore files ignore the probe without any personal excludes,
    # i.e. what a fresh clone gets. None when not computed: then decided_by's kind stands in for it.
    repo_ignored: bool | None = None

    @property
    def personal_only(self) -> bool:
        if not self.ignored:
            return False
        if self.repo_ignored is not None:
            return not self.repo_ignored
        return self.decided_by is not None and self.decided_by.source_kind in PERSONAL_KINDS


@dataclass
class Coverage:
    results: list[ProbeResult] = field(default_factory=list)

    @property
    def uncovered(self) -> list[ProbeResult]:
        """Probes git would not ignore: a file with that name could be committed."""
        return [r for r in self.results if not r.ignored]

    @property
    def personal_only(self) -> list[ProbeResult]:
        """Probes ignored only through info/exclude or core.excludesFile: teammates are not protected."""
        return [r for r in self.results if r.personal_only]

    @property
    def failing(self) -> list[ProbeResult]:
        return [r for r in self.results if not r.ignored or r.personal_only]

    @property
    def covered(self) -> bool:
        return not self.failing

    def failing_patterns(self) -> list[str]:
        """Protected patterns with at least one failing probe, in the order they were checked."""
        return list(dict.fromkeys(r.pattern for r in self.failing))


# ---------------------------------------------------------------- compiling one line


def _raw(text: str) -> str:
    """str -> one char per byte, so regexes see what git's byte-wise wildmatch sees."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _trim_trailing_spaces(line: str) -> str:
    # git's trim_trailing_spaces(): unescaped trailing spaces (not tabs) go; a backslash escapes
    # the next character, and a line ending in a lone backslash is left as is.
    last_space = -1
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == " ":
            if last_space < 0:
                last_space = i
        elif ch == "\\":
            i += 1
            if i >= len(line):
                return line
            last_space = -1
        else:
            last_space = -1
        i += 1
    return line[:last_space] if last_space >= 0 else line


@dataclass(frozen=True)
class _Pattern:
    rule: Rule
    dir_only: bool
    basename: bool  # no slash: matched against the last path component
    regex: re.Pattern[str] | None  # None: a line that can never match
    exact: bool  # fullmatch (pathspec's dir-marker form) rather than search

    def matches(self, rel: str, name: str, is_dir: bool) -> bool:
        if self.regex is None or (self.dir_only and not is_dir):
            return False
        subject = name if self.basename else rel
        if self.exact:
            return self.regex.fullmatch(subject) is not None
        return self.regex.search(subject) is not None


@functools.lru_cache(maxsize=4096)  # --fix re-evaluates the same files once per candidate line
def _compile_glob(body: str) -> tuple[re.Pattern[str] | None, bool]:
    """pathspec's regex for an anchored glob; (None, _) when git would never match it."""
    import pathspec  # noqa: F401 - initialises the package before its submodule (import cycle)
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    if not body:
        return None, True
    if body[-1].isspace():
        # pathspec strips trailing whitespace that git keeps (tabs, and bytes such as the 0xA0 that
        # ends "à" in UTF-8): a one-character class keeps it, without the escape git may have had.
        escaped = (len(body) - len(body[:-1].rstrip("\\")) - 1) % 2 == 1
        body = body[: -2 if escaped else -1] + "[" + body[-1] + "]"
    try:
        # The leading slash anchors it and keeps pathspec from reading a `#` or `!` that git
        # already took literally (`\#`, or the second `!` of `!!x`).
        compiled = GitIgnoreSpecPattern("/" + body)
    except ValueError:  # a trailing lone backslash: git's wildmatch never matches it
        return None, True
    if compiled.regex is None:  # git discards a pattern with an unclosed `[`
        return None, True
    # pathspec marks "a leading directory of the path matched" with the ps_d group: with it,
    # only a whole-path match is a match at this level. Without it the regex means "anything
    # inside" (a trailing `/**`) or "everything", where any hit is a real match.
    source = compiled.regex.pattern
    assert isinstance(source, str)
    regex = re.compile(source, re.DOTALL)
    return regex, "ps_d" in regex.groupindex


def compile_line(kind: str, path: str, number: int, text: str) -> _Pattern | None:
    """One ignore-file line, read as git's add_patterns_from_buffer() reads it; None for no pattern."""
    if text.endswith("\r"):
        text = text[:-1]
    if not text or text.startswith("#"):
        return None
    line = _trim_trailing_spaces(text)
    negated = line.startswith("!")
    body = _raw(line[1:] if negated else line)
    dir_only = body.endswith("/")
    if dir_only:
        body = body[:-1]
    basename = "/" not in body
    if not basename and body.startswith("/"):
        body = body[1:]
    regex, exact = _compile_glob(body)
    rule = Rule(kind, path, number, line, negated)
    return _Pattern(rule, dir_only, basename, regex, exact)


@dataclass(frozen=True)
class _List:
    rank: tuple[int, int]
    base: str  # raw form, "" for the root
    patterns: tuple[_Pattern, ...]

    def applies_to(self, raw_path: str) -> bool:
        return not self.base or raw_path.startswith(self.base + "/")


def _compile_source(source: IgnoreSource) -> _List:
    patterns = []
    for number, text in enumerate(source.lines, 1):
        if number == 1 and text.startswith("\ufeff"):  # git skips a UTF-8 byte order mark
            text = text[1:]
        pattern = compile_line(source.kind, source.path, number, text)
        if pattern is not None:
            patterns.append(pattern)
    base = source.base.strip("/") if source.kind == "gitignore" else ""
    if source.kind == "gitignore":
        rank = (2, base.count("/") + 1 if base else 0)
    else:
        rank = (_RANK.get(source.kind, 0), 0)
    return _List(rank, _raw(base), tuple(patterns))


# ---------------------------------------------------------------- evaluating


class Matcher:
    """git's ignore verdict for repo-relative paths, given the ignore sources of one work tree."""

    def __init__(self, sources: Sequence[IgnoreSource]) -> None:
        lists = [_compile_source(s) for s in sources]
        # Highest priority first; the sort is stable, so equal ranks keep the caller's order reversed.
        self._lists = sorted(reversed(lists), key=lambda lst: lst.rank, reverse=True)
        self._dirs: dict[str, Rule | None] = {}

    def _last_match(self, raw_path: str, is_dir: bool) -> Rule | None:
        name = raw_path.rsplit("/", 1)[-1]
        for lst in self._lists:
            if not lst.applies_to(raw_path):
                continue
            rel = raw_path[len(lst.base) + 1 :] if lst.base else raw_path
            for pattern in reversed(lst.patterns):
                if pattern.matches(rel, name, is_dir):
                    return pattern.rule
        return None

    def _excluded_dir(self, raw_dir: str) -> Rule | None:
        """The positive rule that excludes this directory (or one above it), else None."""
        if raw_dir not in self._dirs:
            parent, _, _ = raw_dir.rpartition("/")
            rule = self._excluded_dir(parent) if parent else None
            if rule is None:
                rule = self._last_match(raw_dir, True)
                if rule is not None and rule.negated:
                    rule = None
            self._dirs[raw_dir] = rule
        return self._dirs[raw_dir]

    def check(self, path: str, is_dir: bool = False) -> Verdict:
        """`path` is repo-relative with `/` separators; a trailing `/` also means a directory."""
        if path.endswith("/"):
            is_dir = True
        raw = _raw(path.strip("/"))
        if not raw:
            return Verdict(False, None)
        parent, _, _ = raw.rpartition("/")
        if parent:
            rule = self._excluded_dir(parent)
            if rule is not None:
                return Verdict(True, rule)
        rule = self._last_match(raw, is_dir)
        return Verdict(rule is not None and not rule.negated, rule)

    def is_ignored(self, path: str, is_dir: bool = False) -> bool:
        return self.check(path, is_dir).ignored


# ---------------------------------------------------------------- coverage of the protected list


def _strip_globstar(pattern: str) -> str:
    body = pattern.rstrip("/")
    while body.startswith("**/"):
        body = body[3:]
    return body


def is_anchored(pattern: str) -> bool:
    """A pattern with an inner slash matches relative to its file only, not at any depth."""
    return "/" in _strip_globstar(pattern)


def probe_paths(protected: Protected, dirs: Sequence[str]) -> list[tuple[str, bool]]:
    """(path, is_dir) for each probe of one pattern; templates are never required to be ignored."""
    is_dir = protected.pattern.endswith("/")
    where = [""] if is_anchored(protected.pattern) else list(dict.fromkeys(d.strip("/") for d in dirs))
    out = []
    for d in where:
        for name in protected.probes:
            if posixpath.basename(name.rstrip("/")) in ENV_TEMPLATES:
                continue
            path = posixpath.join(d, name.strip("/")) if d else name.strip("/")
            out.append((path, is_dir))
    return out


def coverage(
    sources: Sequence[IgnoreSource], protected: Sequence[Protected], dirs: Sequence[str]
) -> Coverage:
    """Which probes of each protected pattern git ignores, and which rule decided.

    dirs are repo-relative directories ("" for the root) to probe in; anchored patterns are
    probed at the root only. repo_ignored is computed from the .gitignore sources alone.
    """
    everyone = Matcher(sources)
    repo_only = Matcher([s for s in sources if s.kind not in PERSONAL_KINDS])
    results = []
    for item in protected:
        for path, is_dir in probe_paths(item, dirs):
            verdict = everyone.check(path, is_dir)
            repo_ignored = verdict.ignored and repo_only.is_ignored(path, is_dir)
            shown = path + "/" if is_dir else path
            results.append(ProbeResult(item.pattern, shown, verdict.ignored, verdict.rule, repo_ignored))
    return Coverage(results)
