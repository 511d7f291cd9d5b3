"""Is a path ignored, and by which rule: git's `.gitignore` semantics, without running git.

Pure: the ignore sources come in as data (`gitio.ignore_sources`), nothing here
runs git, reads files or prints. Single patterns are translated by hand (wildmatch.py) from
git's wildmatch semantics (POSIX classes, escapes and ranges inside brackets,
`**` only between slashes) to RE2, so matching stays linear; everything around
them follows git's own `dir.c` rather than pathspec's `GitIgnoreSpec`, because a
coverage verdict has to be git's verdict:

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
from dataclasses import dataclass, field

from credgate import wildmatch
from credgate.gitio import IgnoreSource
from credgate.policy import ENV_TEMPLATES, Protected

TYPE_CHECKING = False  # typing itself is not imported at run time (a blocked commit loads this module)
if TYPE_CHECKING:
    from typing import Any, Sequence

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
    regex: Any  # an RE2 pattern over Latin-1 bytes, matched against the whole subject; None never matches
    exact: bool = True
    source: bytes | None = None  # the regex's source, for the list's combined prefilter

    def matches(self, rel: bytes, name: bytes, is_dir: bool) -> bool:
        """rel and name are the raw (Latin-1) bytes of the path relative to the list, and of its last part."""
        if self.regex is None or (self.dir_only and not is_dir):
            return False
        return self.regex.fullmatch(name if self.basename else rel) is not None


def _re2(source: bytes, max_mem: int = 8 << 20) -> Any:
    """The RE2 program for source, or None when RE2 refuses it (over its memory budget)."""
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.dot_nl = True
    options.max_mem = max_mem
    try:
        return re2.compile(b"(?s)" + source, options)
    except re2.error:
        return None


_NO_PREFILTER = object()  # the combined program was too large: try each pattern


@functools.lru_cache(maxsize=4096)  # --fix re-evaluates the same files once per candidate line
def _compile_glob(body: str, basename: bool = False) -> tuple[Any, bytes | None]:
    """A matcher for the whole subject (the name, or the path relative to the ignore file), as git
    would match it; (None, _) when git never matches the pattern.

    A pathname pattern is matched as git's match_pathname() does: the literal prefix before the
    first `*?[\\` is compared as is, and the rest is a pattern of its own (so `foo**/bar` has a
    `**/` at the start of that rest). Translated by hand rather than by pathspec, which misreads
    POSIX classes and escapes inside brackets and raises on a reversed range; compiled with RE2,
    so matching is linear in the path whatever the pattern.
    """
    if not body:
        return None, None
    try:
        if basename:
            source = wildmatch.translate(body, pathname=False)
        else:
            cut = next((k for k, c in enumerate(body) if c in wildmatch.GLOB_SPECIAL), len(body))
            literal = b"".join(b"\\x%02x" % ord(c) for c in body[:cut])
            source = literal + wildmatch.translate(body[cut:], pathname=True)
    except wildmatch.Abort:
        return None, None
    return _re2(source), source


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
    regex, source = _compile_glob(body, basename)
    rule = Rule(kind, path, number, line, negated)
    return _Pattern(rule, dir_only, basename, regex, True, source)


@dataclass(frozen=True)
class _List:
    rank: tuple[int, int]
    base: str  # raw form, "" for the root
    patterns: tuple[_Pattern, ...]
    # One RE2 alternation of the name patterns and one of the path patterns: a path that neither
    # matches (most paths, against a list of credential names) costs two calls, not one per line.
    any_name: Any = None
    any_path: Any = None

    def applies_to(self, raw_path: str) -> bool:
        return not self.base or raw_path.startswith(self.base + "/")

    def may_match(self, rel: bytes, name: bytes) -> bool:
        for combined, subject in ((self.any_name, name), (self.any_path, rel)):
            if combined is _NO_PREFILTER or (
                combined is not None and combined.fullmatch(subject) is not None
            ):
                return True
        return False


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
    names = [p.source for p in patterns if p.basename and p.source is not None]
    paths = [p.source for p in patterns if not p.basename and p.source is not None]
    any_name = _combined(names)
    any_path = _combined(paths)
    return _List(rank, _raw(base), tuple(patterns), any_name, any_path)


def _combined(sources: list[bytes]) -> Any:
    if not sources:
        return None
    program = _re2(b"|".join(b"(?:%s)" % src for src in sources), 64 << 20)
    return _NO_PREFILTER if program is None else program


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
            rel = (raw_path[len(lst.base) + 1 :] if lst.base else raw_path).encode("latin-1")
            raw_name = name.encode("latin-1")
            if not lst.may_match(rel, raw_name):
                continue
            for pattern in reversed(lst.patterns):
                if pattern.matches(rel, raw_name, is_dir):
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


def pattern_list(patterns: Sequence[str], source: str) -> Matcher:
    """A Matcher for a list of gitignore-syntax patterns from a config (`exclude`, `protect`).

    The same reading of a pattern as for .gitignore files, so a class, an escape or a reversed
    range means in `.credgate.toml` what it means to git. A verdict's rule.line is the 1-based
    position of the deciding pattern in the list.
    """
    return Matcher([IgnoreSource("gitignore", source, "", tuple(patterns))])


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
    sources: Sequence[IgnoreSource],
    protected: Sequence[Protected],
    dirs: Sequence[str],
    shared: Sequence[IgnoreSource] | None = None,
) -> Coverage:
    """Which probes of each protected pattern git ignores, and which rule decided.

    dirs are repo-relative directories ("" for the root) to probe in; anchored patterns are
    probed at the root only. repo_ignored is computed from shared, the .gitignore files as
    committed or staged (gitio.shared_ignore_sources), or when it is None from the .gitignore
    sources among sources.
    """
    everyone = Matcher(sources)
    repo_only = Matcher([s for s in sources if s.kind not in PERSONAL_KINDS] if shared is None else shared)
    results = []
    for item in protected:
        for path, is_dir in probe_paths(item, dirs):
            verdict = everyone.check(path, is_dir)
            repo_ignored = verdict.ignored and repo_only.is_ignored(path, is_dir)
            shown = path + "/" if is_dir else path
            results.append(ProbeResult(item.pattern, shown, verdict.ignored, verdict.rule, repo_ignored))
    return Coverage(results)
