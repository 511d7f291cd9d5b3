"""The multi-pattern prefilter: which keywords occur in a text, and which rules could match it at all.

Two backends give the same answers:

- **RE2** (always there): the keywords as one `re2.Set`, one linear pass. No rule is ruled out by its
  regex: every keyword candidate runs.
- **Hyperscan** (the `hyperscan` wheel, where one exists for the platform): the keywords as one literal
  database (about 5x the RE2 set's speed), and every rule's regex compiled in Hyperscan's prefilter mode,
  which matches a superset of what the regex matches. A rule the rule database does not report for a text
  cannot match it, and is not run; the rules that may match are then run by RE2 as before, so findings are
  exactly RE2's. Hyperscan scans in linear time (it is an automaton, with no backtracking).

The rules are compiled by RE2 in UTF-8 mode, where `[^"]` or `.` consumes a whole multi-byte character
and `(?i)k` matches the Kelvin sign. ASCII text is read with a byte-mode database (the same bytes either
way), valid UTF-8 with a second database compiled in Hyperscan's UTF-8 mode (it reads characters like
RE2), and other text (Latin-1, broken UTF-8) is not narrowed: Hyperscan's UTF-8 mode is undefined there.
Bounded repeats are widened before compiling (`x{20,40}` -> `x+`): the language only grows, and the
compile is five times quicker.

Compiling costs: the keyword database about 0.1 s, the rule database 1-3 s. Both are kept in the rules
cache directory, content-addressed by the patterns and the Hyperscan version, so a rule set pays once per
machine. Small scans never need them (a hook on a few files stays on RE2 and never imports Hyperscan):
"auto" uses the keyword database from 256 KiB of text scanned by the process, loads a cached rule database
from 256 KiB, and compiles one from 4 MiB when it has a cache directory to keep it in (without one, as in
library use, it never spends the compile).

`CREDGATE_PREFILTER` picks the backend: `auto` (default), `re2` (the fallback, forced), `hyperscan` (always,
whatever the size; an error if the package is missing). Tests run the same inputs through both.
"""

from __future__ import annotations

import os

from credgate.engine.prefilter_patterns import byte_superset, widen
from credgate.errors import UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable

ENV = "CREDGATE_PREFILTER"
MODES = ("auto", "hyperscan", "re2")
KEYWORDS_AT = 256 * 1024  # bytes scanned from which "auto" uses the Hyperscan keyword database
RULES_LOAD_AT = 256 * 1024  # ... loads a cached rule database
RULES_BUILD_AT = 4 * 1024 * 1024  # ... compiles the rule database (then caches it)
_FORMAT = b"credgate-prefilter/1"
# Databases this process has loaded or compiled, by content key: rule sets built again from the same rules
# (`rules check` builds one per rule, a config's disable-rules another) share them.
_BUILT: dict[str, tuple[Any, list[int]]] = {}


def mode() -> str:
    value = os.environ.get(ENV, "").strip().lower() or "auto"
    if value not in MODES:
        raise UsageError(
            f"{ENV}={value!r} is not a prefilter backend",
            hint=f"set {ENV} to one of {', '.join(MODES)}, or unset it",
        )
    return value


def _hyperscan(required: bool) -> Any:
    try:
        import hyperscan
    except ImportError:
        if required:
            raise UsageError(
                f"{ENV}=hyperscan, but the hyperscan package is not installed",
                hint=f"install it (pip install hyperscan) or unset {ENV} to use RE2",
            ) from None
        return None
    return hyperscan


class Prefilter:
    """Keywords found in a text, and the rules that may match it; see the module docstring."""

    def __init__(
        self,
        keywords: list[bytes],
        patterns: list[tuple[str, str]],
        cache_dir: str | None,
        binary: Callable[[], list[tuple[str, str, bool]]] | None = None,
    ) -> None:
        self.keywords = keywords
        self.patterns = patterns  # (rule id, RE2 regex)
        # (rule id, pattern, compiled in UTF-8 mode?) of the rules that run inside binaries, as they run there
        self.binary = binary
        self._hs_binary: tuple[Any, list[str], frozenset[str]] | None = None
        self._hs_gates: tuple[Any, list[str]] | None = None
        self.cache_dir = cache_dir
        self.mode = mode()
        self.seen = 0  # bytes of text this process has asked about
        self._re2_set: Any = None
        self._hs_keywords: Any = None
        # ASCII text (False), valid UTF-8 (True): (database, rule id per database id, ids always possible)
        self._hs_rules: dict[bool, tuple[Any, list[str], frozenset[str]]] = {}
        self._hs_missing = False
        self._tried: set[tuple[bool | str, bool]] = set()

    @property
    def backend(self) -> str:
        """The backend in use now: "hyperscan" once a database is loaded, else "re2"."""
        return "hyperscan" if self._hs_keywords is not None or self._hs_rules else "re2"

    def warm(self, size: int) -> None:
        """Prepare for `size` bytes of scanning now, before worker processes fork and inherit it."""
        self.seen += size
        if self._want(KEYWORDS_AT):
            self._keyword_db()
            self.gates(b" ")
        if self._may_build():
            self._rule_db(False, build=True)
            self._rule_db(True, build=True)  # UTF-8 text too, so no worker compiles it for itself
            self._binary_db(build=True)
        self.seen -= size

    def keywords_in(self, lowered: bytes) -> set[bytes]:
        self.seen += len(lowered)
        if self._want(KEYWORDS_AT):
            db = self._keyword_db()
            if db is not None:
                found: set[int] = set()
                db.scan(lowered, match_event_handler=_collector(found))
                return {self.keywords[i] for i in found}
        return self._re2_keywords(lowered)

    def possible(self, data: bytes) -> frozenset[str] | None:
        """The ids of the rules whose regex may match `data`; None when this text is not narrowed."""
        if not data or self.mode == "re2":
            return None
        utf8 = not data.isascii()
        if utf8 and not _valid_utf8(data):
            return None  # undefined in Hyperscan's UTF-8 mode; its byte mode would read it unlike RE2
        rules = self._hs_rules.get(utf8)
        if rules is None:
            if not self._want(RULES_LOAD_AT):
                return None
            self._rule_db(utf8, build=self._may_build())
            rules = self._hs_rules.get(utf8)
            if rules is None:
                return None
        db, ids, always = rules
        found: set[int] = set()
        db.scan(data, match_event_handler=_collector(found))
        return always.union(ids[i] for i in found)

    def possible_in_binary(self, data: bytes) -> frozenset[str] | None:
        """The ids of the rules whose pattern inside binaries (engine/binary.py) may match `data`, read as
        bytes (any bytes: no UTF-8 needed); None when not narrowed. Each pattern is compiled as its
        `byte_superset`, which holds every match RE2 finds; a pattern that has none is always possible."""
        if not data or self.mode == "re2" or self.binary is None:
            return None
        if self._hs_binary is None:
            if not self._want(RULES_LOAD_AT):
                return None
            self._binary_db(build=self._may_build())
            if self._hs_binary is None:
                return None
        db, ids, always = self._hs_binary
        found: set[int] = set()
        db.scan(data, match_event_handler=_collector(found))
        return always.union(ids[i] for i in found)

    def gates(self, data: bytes) -> frozenset[str] | None:
        """Which of the engine's own passes over raw bytes (`gate_patterns()`) can find anything in `data`,
        by one scan of a small byte-mode database of their patterns; None when that is not known (then
        every pass runs). The patterns are RE2 Latin-1 patterns (byte semantics, as Hyperscan's byte mode
        reads them), compiled in prefilter mode: a pass left out has no match of its pattern in `data`."""
        if not data or not self._want(KEYWORDS_AT):
            return None
        if self._hs_gates is None:
            if ("gates", True) in self._tried:
                return None
            self._tried.add(("gates", True))
            hs = self._module()
            if hs is None:
                return None
            named = gate_patterns()
            exprs = [pattern for _, pattern in named]
            flags = hs.HS_FLAG_PREFILTER | hs.HS_FLAG_SINGLEMATCH
            db, compiled = _database(hs, "gates", exprs, lambda: exprs, flags, self.cache_dir, True)
            if db is None or len(compiled) != len(exprs):
                return None  # a gate Hyperscan does not take: every pass runs, as without Hyperscan
            self._hs_gates = (db, [name for name, _ in named])
        db, names = self._hs_gates
        found: set[int] = set()
        db.scan(data, match_event_handler=_collector(found))
        return frozenset(names[i] for i in found)

    def _binary_db(self, build: bool) -> None:
        if self._hs_binary is not None or self.binary is None or ("binary", build) in self._tried:
            return
        self._tried.add(("binary", build))
        hs = self._module()
        if hs is None:
            return
        entries = [(rid, byte_superset(source, utf8)) for rid, source, utf8 in self.binary()]
        kept = [(rid, expr.encode()) for rid, expr in entries if expr is not None]
        exprs = [expr for _, expr in kept]
        flags = hs.HS_FLAG_PREFILTER | hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_ALLOWEMPTY  # byte mode
        db, compiled = _database(hs, "binary", exprs, lambda: exprs, flags, self.cache_dir, build)
        if db is None:
            return
        ids = [kept[i][0] for i in compiled]
        # Every other rule (no byte-mode form, or one Hyperscan does not take) is never ruled out.
        always = frozenset(rid for rid, _ in self.patterns) - set(ids)
        self._hs_binary = (db, ids, always)

    def _may_build(self) -> bool:
        # "auto" compiles the rule database (seconds) only where it can keep it for the next runs.
        if self.mode == "hyperscan":
            return True
        return self.cache_dir is not None and self._want(RULES_BUILD_AT)

    def _want(self, threshold: int) -> bool:
        if self.mode == "re2" or self._hs_missing:
            return False
        return self.mode == "hyperscan" or self.seen >= threshold

    def _re2_keywords(self, lowered: bytes) -> set[bytes]:
        if self._re2_set is None:
            import re as stdre

            import re2

            options = re2.Options()
            options.log_errors = False
            keyword_set = re2.Set.SearchSet(options)
            for word in self.keywords:
                # Most keywords are letters and digits, which escape to themselves.
                keyword_set.Add(word if word.isalnum() else stdre.escape(word))
            keyword_set.Compile()
            self._re2_set = keyword_set
        hits = self._re2_set.Match(lowered)
        return {self.keywords[i] for i in hits} if hits else set()

    def _keyword_db(self) -> Any:
        if self._hs_keywords is None:
            import re as stdre

            hs = self._module()
            if hs is None:
                return None
            exprs = [stdre.escape(k) for k in self.keywords]
            db, compiled = _database(
                hs, "keywords", exprs, lambda: exprs, hs.HS_FLAG_SINGLEMATCH, self.cache_dir, True
            )
            if db is None or len(compiled) != len(exprs):
                self._hs_missing = True  # a keyword Hyperscan cannot take: the RE2 set reads all of them
                return None
            self._hs_keywords = db
        return self._hs_keywords

    def _rule_db(self, utf8: bool, build: bool) -> None:
        if utf8 in self._hs_rules or (utf8, build) in self._tried:
            return
        self._tried.add((utf8, build))  # a cache miss is not looked up again for every file
        hs = self._module()
        if hs is None:
            return
        sources = [regex.encode() for _, regex in self.patterns]
        flags = hs.HS_FLAG_PREFILTER | hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_ALLOWEMPTY
        if utf8:
            flags |= hs.HS_FLAG_UTF8  # RE2 compiles the rules in UTF-8 mode: `.` reads a whole character
        kind = "rules-utf8" if utf8 else "rules"
        patterns = [regex for _, regex in self.patterns]
        make = lambda: [widen(regex).encode() for regex in patterns]  # noqa: E731 - compiled on a miss only
        db, compiled = _database(hs, kind, sources, make, flags, self.cache_dir, build)
        if db is None:
            return
        ids = [self.patterns[i][0] for i in compiled]
        # A regex Hyperscan does not take is never ruled out: its rule runs whenever its keywords occur.
        always = frozenset(rid for rid, _ in self.patterns) - set(ids)
        self._hs_rules[utf8] = (db, ids, always)

    def _module(self) -> Any:
        hs = _hyperscan(required=self.mode == "hyperscan")
        if hs is None:
            self._hs_missing = True
        return hs


def gate_patterns() -> list[tuple[str, bytes]]:
    """(name, RE2 Latin-1 pattern) of the engine's passes that `Prefilter.gates` can tell have nothing to do:
    UTF-16 strings in binaries (engine/encoded.py) and base64 key or keystore runs (engine/credfiles.py)."""
    from credgate.engine import credfiles, encoded

    return [("utf16", encoded.UTF16_RUN), ("b64-file", credfiles._B64_RUN)]


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _collector(found: set[int]) -> Callable[..., None]:
    def on_match(pattern_id: int, start: int, end: int, flags: int, context: Any) -> None:
        found.add(pattern_id)

    return on_match


def _database(
    hs: Any,
    kind: str,
    sources: list[bytes],
    make: Callable[[], list[bytes]],
    flags: int,
    cache_dir: str | None,
    build: bool,
) -> tuple[Any, list[int]]:
    """A block-mode database of the expressions `make()` gives for `sources` (those that compile, and their
    indexes); from the cache when it holds this exact one, else compiled (when `build`) and stored.
    (None, []) when there is none. The key covers the sources, this module's code (which turns them into
    expressions), the flags, the Hyperscan version and the machine."""
    import platform

    from credgate.engine.rules_cache import sha256_hex

    version = str(getattr(hs, "__version__", "")).encode()
    parts = [
        _FORMAT,
        kind.encode(),
        version,
        platform.machine().encode(),  # not os.uname(): POSIX only, and Hyperscan has Windows wheels
        b"%d" % flags,
        _own_code(),
        *sources,
    ]
    key = sha256_hex(b"".join(b"%d:%s" % (len(p), p) for p in parts))
    target = os.path.join(cache_dir, f"prefilter-{kind}-{key[:24]}.hs") if cache_dir else None
    if key in _BUILT:
        db, compiled = _BUILT[key]
        if target and not os.path.exists(target):
            _store(hs, target, key, db, compiled)  # known here, and kept for the next run in this cache
        return db, compiled
    if target:
        loaded = _load(hs, target, key)
        if loaded is not None:
            _BUILT[key] = loaded
            return loaded
    if not build:
        return None, []
    exprs = make()
    compiled = _compilable(hs, exprs, flags)
    if not compiled:
        return None, []
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(
        expressions=[exprs[i] for i in compiled],
        ids=list(range(len(compiled))),
        flags=[flags] * len(compiled),
    )
    if target:
        _store(hs, target, key, db, compiled)
    _BUILT[key] = (db, compiled)
    return db, compiled


_CODE: list[bytes] = []


def _own_code() -> bytes:
    """This module's code, and engine/prefilter_patterns.py's, which turns rule regexes into expressions."""
    if not _CODE:
        from credgate.engine import prefilter_patterns

        for source in (__file__, prefilter_patterns.__file__):
            try:
                with open(source, "rb") as fh:
                    _CODE.append(fh.read())
            except OSError:
                _CODE.append(b"")
    return b"".join(_CODE)


def _compilable(hs: Any, exprs: list[bytes], flags: int) -> list[int]:
    """Indexes of the expressions Hyperscan compiles (all of them, unless one fails: then tried singly)."""
    every = list(range(len(exprs)))
    try:
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=exprs, ids=every, flags=[flags] * len(exprs))
        return every
    except hs.error:
        pass
    ok = []
    for i in every:
        try:
            hs.Database(mode=hs.HS_MODE_BLOCK).compile(expressions=[exprs[i]], ids=[0], flags=[flags])
            ok.append(i)
        except hs.error:
            continue
    return ok


def _load(hs: Any, target: str, key: str) -> tuple[Any, list[int]] | None:
    """The cached database: header `format key digest count`, the indexes, then the serialized database."""
    from credgate.engine.rules_cache import payload_digest

    try:
        with open(target, "rb") as fh:
            blob = fh.read()
        header, _, rest = blob.partition(b"\n")
        fmt, got_key, digest, count_text = header.split(b" ")
        if fmt != _FORMAT or got_key.decode() != key or digest.decode() != payload_digest(rest):
            return None
        index_text, _, payload = rest.partition(b"\n")
        compiled = [int(x) for x in index_text.split(b",")] if index_text else []
        if len(compiled) != int(count_text) or not compiled:
            return None
        db = hs.loadb(payload, hs.HS_MODE_BLOCK)
        db.scratch = hs.Scratch(db)
        return db, compiled
    except (OSError, ValueError, TypeError, UnicodeDecodeError, hs.error):
        return None  # missing, corrupt, or built for another platform: compile again


def _store(hs: Any, target: str, key: str, db: Any, compiled: list[int]) -> None:
    import tempfile

    from credgate.engine.rules_cache import payload_digest

    try:
        rest = b",".join(b"%d" % i for i in compiled) + b"\n" + hs.dumpb(db)
        header = b"%s %s %s %d\n" % (_FORMAT, key.encode(), payload_digest(rest).encode(), len(compiled))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(header + rest)
        os.replace(tmp, target)
    except (OSError, TypeError, ValueError, hs.error):
        pass  # a cache that cannot be written only costs speed
