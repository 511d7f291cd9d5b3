"""Declarative rules: loading, validation and the keyword prefilter.

A rule file is TOML with one `[[rule]]` table per rule (see rules/README.md).
Regexes are compiled with RE2 so no rule can take super-linear time on
attacker-controlled content, and only when the prefilter says a keyword of the
rule is present: a clean commit compiles almost nothing.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field

from credgate.errors import InternalError

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Iterable

SEVERITIES = ("critical", "high", "medium", "low")
CONFIDENCES = ("high", "medium", "low")
IN_TESTS = ("block", "notice", "skip")  # what a match in a test path does (see filters.is_in_test_file)
SHAPES = ("any", "token")  # "token": the value must look machine-generated (see filters.is_not_token_shaped)
# Texts this small skip a rule whose loosened regex finds nothing in them (Rule.may_match): compiling a costly
# regex takes longer than scanning them. In larger texts the extra pass would cost more than the compile.
LOOSE_BELOW = 1 << 20
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KNOWN_KEYS = {
    "id", "name", "description", "keywords", "regex", "entropy", "severity", "confidence",
    "hint", "url", "references", "examples", "negative_examples", "near", "generic", "visible", "validate",
    "shape", "in_tests", "files", "detector",
}  # fmt: skip
# What a regex means and a structural detector (engine/credfiles.py) does not use: not allowed beside one.
_REGEX_ONLY_KEYS = ("regex", "keywords", "near", "generic", "validate", "shape", "entropy")


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and rule."""


@dataclass(frozen=True)
class Near:
    """A rule's partner: the rule whose match must sit within `lines` lines of this one."""

    rule: str
    lines: int


@dataclass
class Rule:
    id: str
    name: str
    keywords: tuple[bytes, ...]
    regex: str
    severity: str
    confidence: str
    hint: str
    url: str = ""
    description: str = ""
    entropy: float | None = None
    references: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()
    near: Near | None = None
    generic: bool = False
    visible: bool = True  # False: an identifier that only serves as another rule's `near` partner
    validate: str | None = None  # name of an offline validator in engine/validate.py
    shape: str = "any"
    in_tests: str = "block"
    # Globs on the file's base name (fnmatch, case-insensitive); empty: every file.
    files: tuple[str, ...] = ()
    origin: str = ""
    # A structural detector in engine/credfiles.py (keystores, DER keys, Terraform state) that finds this
    # rule's matches instead of a regex: the whole file is the match.
    detector: str | None = None
    _compiled: Any = field(default=None, repr=False, compare=False)
    # (group index, quoted?) for each `secret*` group; a `secret_bare` group is an unquoted value.
    _secret_groups: tuple[tuple[int, bool], ...] = field(default=(), repr=False, compare=False)
    # The loosened regex (prefilter_patterns.loosen), compiled; False: none, or it did not compile.
    _loose: Any = field(default=None, repr=False, compare=False)

    def applies_to(self, path: str) -> bool:
        if not self.files:
            return True
        from fnmatch import fnmatchcase

        from credgate.engine import dotenv

        if set(self.files) == set(dotenv.DOTENV_GLOBS):
            return dotenv.is_dotenv(path)  # the one definition of a dotenv file, not three globs
        name = dotenv.normalize_name(path.rsplit("/", 1)[-1])
        return any(fnmatchcase(name, glob) for glob in self.files)

    @property
    def compiled(self) -> Any:
        if self._compiled is None:
            self._compile()
        return self._compiled

    @property
    def secret_groups(self) -> tuple[tuple[int, bool], ...]:
        if self.detector is not None:
            return ()  # no regex: engine/credfiles.py finds the matches
        if self._compiled is None:
            self._compile()
        return self._secret_groups

    def may_match(self, data: bytes) -> bool:
        """False only when the rule's regex cannot match `data`: an uncompiled rule with a costly regex is
        first tried as prefilter_patterns.loosen's superset of it, which compiles many times faster, and
        compiled in full only where that matches. A compiled rule just runs."""
        if self._compiled is not None or self._loose is False:
            return True
        if self._loose is None:
            import re2

            from credgate.engine.prefilter_patterns import loosen

            loose = loosen(self.regex) if self.detector is None else None
            options = re2.Options()
            options.log_errors = False
            try:
                self._loose = re2.compile(loose.encode(), options) if loose else False
            except Exception:  # noqa: BLE001 - no superset: the rule itself runs, as it always could
                self._loose = False
            if self._loose is False:
                return True
        return self._loose.search(data) is not None

    def _compile(self) -> None:
        import re2

        options = re2.Options()
        options.log_errors = False  # errors are reported as RuleError, not on stderr
        try:
            compiled = re2.compile(self.regex.encode(), options)
        except Exception as exc:  # re2 raises its own error type
            raise RuleError(f"{self.origin}: rule {self.id}: regex does not compile in RE2: {exc}") from None
        groups = tuple(
            sorted(
                (idx, not bytes(name).endswith(b"_bare"))
                for name, idx in compiled.groupindex.items()
                if bytes(name).startswith(b"secret")
            )
        )
        if not groups:
            raise RuleError(f"{self.origin}: rule {self.id}: regex needs a named group (?P<secret>...)")
        self._compiled = compiled
        self._secret_groups = groups


_NARROW_ABOVE = (
    4  # rule weight (generic 4, other 1) up to which candidates run without the prefilter's narrowing
)


class RuleSet:
    def __init__(self, rules: Iterable[Rule], cache_dir: str | None = None) -> None:
        self.rules: list[Rule] = list(rules)
        # Where the prefilter may keep its compiled databases (engine/prefilter.py); None: in memory only.
        self.cache_dir = cache_dir
        self.by_id: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.id in self.by_id:
                raise RuleError(
                    f"{rule.origin}: duplicate rule id {rule.id!r} (also in {self.by_id[rule.id].origin})"
                )
            self.by_id[rule.id] = rule
        for rule in self.rules:
            if rule.near and rule.near.rule not in self.by_id:
                raise RuleError(
                    f"{rule.origin}: rule {rule.id}: near.rule {rule.near.rule!r} is not a rule id"
                )
            if rule.near and self.by_id[rule.near.rule].detector is not None:
                raise RuleError(
                    f"{rule.origin}: rule {rule.id}: near.rule {rule.near.rule!r} is a detector rule, "
                    "which matches whole files, not text near a match"
                )
        # Rules matched by structure, not by keyword and regex (they have neither): run on every file.
        self.detectors = [rule for rule in self.rules if rule.detector is not None]
        self._by_keyword: dict[bytes, list[Rule]] = {}
        self._hidden_by_keyword: dict[bytes, list[Rule]] = {}
        for rule in self.rules:
            index = self._by_keyword if rule.visible else self._hidden_by_keyword
            for kw in rule.keywords:
                index.setdefault(kw, []).append(rule)
        self._order = {rule.id: i for i, rule in enumerate(self.rules)}
        self._prefilter: Any = None

    def __len__(self) -> int:
        return len(self.rules)

    def without(self, ids: Iterable[str]) -> RuleSet:
        drop = set(ids)
        unknown = drop - set(self.by_id)
        if unknown:
            raise RuleError(f"unknown rule id(s) to disable: {', '.join(sorted(unknown))}")
        return RuleSet((r for r in self.rules if r.id not in drop), self.cache_dir)

    def candidates(
        self,
        lowered: bytes,
        include_hidden: bool = False,
        data: bytes | None = None,
        binary: bytes | None = None,
    ) -> list[Rule]:
        """Rules with at least one keyword in the (lower-cased) content, in file order.

        Hidden rules are run only as partners of a `near` rule that is a candidate,
        so an identifier's weak keyword never costs a regex run on its own. Given the
        content itself (`data`, of which `lowered` is the lower-cased copy), rules whose
        regex the prefilter proves cannot match it are left out: they would find nothing. Given a binary
        instead (`binary`, which the rules read with their patterns inside binaries), the same holds of
        those patterns.
        """
        hit: dict[str, Rule] = {}
        found = self.keywords_in(lowered)
        indexes = [self._by_keyword, self._hidden_by_keyword] if include_hidden else [self._by_keyword]
        for index in indexes:
            for kw in found:
                for rule in index.get(kw, ()):
                    hit[rule.id] = rule
        # A `near` rule needs its partner's matches to decide.
        for rule in list(hit.values()):
            if rule.near and rule.near.rule not in hit:
                partner = self.by_id[rule.near.rule]
                hit[partner.id] = partner
        ordered = sorted(hit.values(), key=lambda r: self._order[r.id])
        # Narrowing only saves work (a rule it would leave out finds nothing when it runs), so text skips it
        # where it costs more than it can save: the rule database reads text about four times slower than
        # RE2 runs one plain rule (a generic rule costs about as much as the database). The binary database
        # is smaller and reads faster than one RE2 pass: binaries are always narrowed.
        if data is not None and sum(4 if r.generic else 1 for r in ordered) > _NARROW_ABOVE:
            possible = self.prefilter().possible(data)
            if possible is not None:
                ordered = [r for r in ordered if r.id in possible]
        elif binary is not None and ordered:
            possible = self.prefilter().possible_in_binary(binary)
            if possible is not None:
                ordered = [r for r in ordered if r.id in possible]
        if data is not None and len(data) < LOOSE_BELOW:
            ordered = [r for r in ordered if r.may_match(data)]
        return ordered

    def keywords_in(self, lowered: bytes) -> set[bytes]:
        """Every keyword that occurs in the text, found in one pass (engine/prefilter.py)."""
        return self.prefilter().keywords_in(lowered)  # type: ignore[no-any-return]

    def prefilter(self) -> Any:
        if self._prefilter is None:
            from credgate.engine.prefilter import Prefilter

            keywords = sorted({*self._by_keyword, *self._hidden_by_keyword})
            patterns = [(r.id, r.regex) for r in self.rules if r.detector is None]
            self._prefilter = Prefilter(keywords, patterns, self.cache_dir, self._binary_patterns)
        return self._prefilter

    def _binary_patterns(self) -> list[tuple[str, str, bool]]:
        """(rule id, pattern, UTF-8 mode?) of each rule that runs inside binaries, as it runs there: its
        binary pattern (Latin-1), else its own regex (UTF-8), as engine/scanner.py picks them."""
        from credgate.engine.binary import binary_source
        from credgate.engine.scanner import _in_binaries

        out = []
        for rule in self.rules:
            if rule.detector is not None or not _in_binaries(rule):
                continue
            source = binary_source(rule)
            out.append((rule.id, rule.regex, True) if source is None else (rule.id, source, False))
        return out


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def _str_list(value: Any, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: {what} must be a list of strings")
    return tuple(value)


def parse_rule(raw: dict[str, Any], origin: str) -> Rule:
    rid = raw.get("id")
    where = f"{origin}: rule {rid!r}"
    if not isinstance(rid, str) or not ID_RE.match(rid):
        raise RuleError(f"{where}: id must be kebab-case ([a-z0-9] words joined by '-')")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "detector" in raw:
        return _detector_rule(raw, origin, where)
    for key in ("name", "regex", "hint"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleError(f"{where}: '{key}' is required and must be a non-empty string")
    keywords = _str_list(raw.get("keywords"), "keywords", where)
    if not keywords or any(not k for k in keywords):
        raise RuleError(f"{where}: keywords must be a non-empty list of non-empty strings (the prefilter)")
    severity = raw.get("severity", "high")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    confidence = raw.get("confidence", "medium")
    if confidence not in CONFIDENCES:
        raise RuleError(f"{where}: confidence must be one of {', '.join(CONFIDENCES)}")
    entropy = raw.get("entropy")
    if entropy is not None and (not isinstance(entropy, (int, float)) or not 0 <= entropy <= 8):
        raise RuleError(f"{where}: entropy must be a number of bits per byte between 0 and 8")
    near = None
    if "near" in raw:
        n = raw["near"]
        if (
            not isinstance(n, dict)
            or not isinstance(n.get("rule"), str)
            or not isinstance(n.get("lines"), int)
        ):
            raise RuleError(f"{where}: near must be a table with 'rule' (an id) and 'lines' (an integer)")
        near = Near(n["rule"], n["lines"])
    generic = raw.get("generic", False)
    visible = raw.get("visible", True)
    if not isinstance(generic, bool) or not isinstance(visible, bool):
        raise RuleError(f"{where}: generic and visible must be true or false")
    validate = raw.get("validate")
    if validate is not None:
        from credgate.engine.validate import VALIDATORS

        if validate not in VALIDATORS:
            raise RuleError(f"{where}: validate must be one of {', '.join(sorted(VALIDATORS))}")
    shape = raw.get("shape", "any")
    if shape not in SHAPES:
        raise RuleError(f"{where}: shape must be one of {', '.join(SHAPES)}")
    files = tuple(f.lower() for f in _str_list(raw.get("files", []), "files", where))
    # Context rules default to a notice in tests: their values are whatever the fixture author typed.
    in_tests = raw.get("in_tests", "notice" if generic else "block")
    if in_tests not in IN_TESTS:
        raise RuleError(f"{where}: in_tests must be one of {', '.join(IN_TESTS)}")
    return Rule(
        id=rid,
        name=raw["name"],
        keywords=tuple(k.lower().encode() for k in keywords),
        regex=raw["regex"],
        severity=severity,
        confidence=confidence,
        hint=raw["hint"].strip(),
        url=str(raw.get("url", "")),
        description=str(raw.get("description", "")),
        entropy=float(entropy) if entropy is not None else None,
        references=_str_list(raw.get("references", []), "references", where),
        examples=_str_list(raw.get("examples", []), "examples", where),
        negative_examples=_str_list(raw.get("negative_examples", []), "negative_examples", where),
        near=near,
        generic=generic,
        visible=visible,
        validate=validate,
        shape=shape,
        in_tests=in_tests,
        files=files,
        origin=origin,
    )


def _detector_rule(raw: dict[str, Any], origin: str, where: str) -> Rule:
    """A rule whose matches come from a structural detector in engine/credfiles.py."""
    from credgate.engine.credfiles import DETECTORS

    detector = raw["detector"]
    if detector not in DETECTORS:
        raise RuleError(f"{where}: detector must be one of {', '.join(sorted(DETECTORS))}")
    if extra := [k for k in _REGEX_ONLY_KEYS if k in raw]:
        raise RuleError(f"{where}: a detector rule has no {', '.join(extra)} (its detector finds matches)")
    shaped = {**raw, "regex": "(?P<secret>)", "keywords": ["-"]}  # validated like any rule, then dropped
    rule = parse_rule({k: v for k, v in shaped.items() if k != "detector"}, origin)
    rule.regex, rule.keywords, rule.detector = "", (), detector
    return rule


def load_file(path: str) -> list[Rule]:
    return _rules_of(_load_toml(path), path)


def load_bytes(data: bytes, path: str) -> list[Rule]:
    """The rules of a rule file's content (CI reads the base revision's from git); path names it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise RuleError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
    return _rules_of(doc, path)


def _rules_of(doc: dict[str, Any], path: str) -> list[Rule]:
    unknown = set(doc) - {"rule"}
    if unknown:
        raise RuleError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; rules go in [[rule]]"
        )
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RuleError(f"{path}: 'rule' must be an array of tables ([[rule]])")
    return [parse_rule(r, os.path.basename(path)) for r in raw_rules]


def builtin_dir() -> str:
    import importlib

    # `credgate.rules` is the rules/ folder mapped in as a package (see pyproject.toml).
    package = importlib.import_module("credgate.rules")
    return os.path.dirname(os.path.abspath(str(package.__file__)))


def builtin_files() -> list[str]:
    d = builtin_dir()
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".toml"))


def load(extra_files: Iterable[str] = (), cache_dir: str | None = None) -> RuleSet:
    """The built-in rules plus extra files, parsed once and then served from a cache (engine/rules_cache.py).

    An empty rule set, however it came about, is an error: a gate with no rules passes
    everything. The engine itself stays pure: the cache location is passed in.
    """
    from credgate.engine import rules_cache

    paths = [*builtin_files(), *extra_files]
    sources = rules_cache.read_sources(paths)
    cached = rules_cache.cached_rules(sources, cache_dir) if cache_dir else None
    if cached is not None:
        return RuleSet(cached, cache_dir)
    rules: list[Rule] = []
    for path, raw in sources:
        rules.extend(_rules_of(_parse_toml(path, raw), path))
    if not rules:
        raise EmptyRuleSet("no rules were loaded: the rule files hold no [[rule]] table")
    if cache_dir:
        rules_cache.store_rules(sources, rules, cache_dir)
    return RuleSet(rules, cache_dir)


class EmptyRuleSet(InternalError):
    """No rules at all: an installation problem, never a reason to pass (the gate fails closed, exit 3)."""


def _parse_toml(path: str, raw: bytes) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RuleError(f"{path}: not valid TOML: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
