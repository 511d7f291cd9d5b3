"""What a filter is: a named test on a candidate, the rules it applies to, and what it makes of a match.

Each family module declares its filters as `Filter` entries next to the tests they run; the package's
`__init__` orders them and turns them into a verdict. An entry carries everything about one filter:
its scope, whether it drops the match or turns it into a notice (and the notice's wording), how it
gives way to a notice, the rule ids its test names, and its own examples, which `credgate filters
check` runs through the real scanner.
"""

from __future__ import annotations

from dataclasses import dataclass

from credgate.engine.rules import Rule

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Callable, Literal


@dataclass(frozen=True)
class Candidate:
    """A rule's match as the filters see it: the value, its line and key, and where it sits."""

    rule: Rule
    secret: bytes
    line: bytes
    prev_line: bytes
    path: str
    key: bytes | None = None
    quoted: bool = True
    # The whole scanned text and the secret's offset in it, for filters that read around the line.
    data: bytes = b""
    offset: int = 0


if TYPE_CHECKING:  # names for annotations only
    Predicate = Callable[[Candidate], bool]
    Verdict = Literal["drop", "notice"]


@dataclass(frozen=True)
class Scope:
    """The rules a filter applies to: any rule that one of the set parts selects.

    Context rules (`generic = true`) capture a value under a name and lean on the filters; provider
    rules match a token by its own format. A few filters follow what a rule declares about itself
    (`in_tests`, `shape`), and a few apply to named rules only.
    """

    generic: bool = False
    provider: bool = False
    rule_ids: frozenset[str] = frozenset()
    in_tests: str | None = None  # rules whose `in_tests` is this
    shape: str | None = None  # rules whose `shape` is this

    def covers(self, rule: Rule) -> bool:
        return (
            (self.generic if rule.generic else self.provider)
            or rule.id in self.rule_ids
            or (self.in_tests is not None and rule.in_tests == self.in_tests)
            or (self.shape is not None and rule.shape == self.shape)
        )

    def describe(self) -> str:
        if self.generic and self.provider:
            return "all rules"
        parts = ["generic rules"] if self.generic else ["provider rules"] if self.provider else []
        if self.in_tests is not None:
            parts.append(f'rules with in_tests = "{self.in_tests}"')
        if self.shape is not None:
            parts.append(f'rules with shape = "{self.shape}"')
        if self.rule_ids:
            parts.append("rules " + ", ".join(sorted(self.rule_ids)))
        return "; ".join(parts)


ALL = Scope(generic=True, provider=True)
GENERIC = Scope(generic=True)
PROVIDER = Scope(provider=True)


@dataclass(frozen=True)
class Example:
    """A file the filter judges: its text (`%%...%%` templates expand as in rule examples, so no
    credential-shaped literal is stored), its path, and the rule whose match the filter is about."""

    text: str
    path: str
    rule: str


@dataclass(frozen=True)
class Filter:
    """A named suppression: its test, the scope it applies in, and the examples that prove it."""

    name: str
    test: Predicate  # the test alone; the registry checks the scope first
    scope: Scope
    summary: str  # one sentence for `credgate filters list` and docs/filters.md
    positives: tuple[Example, ...]  # files where this filter is the one that judges the rule's match
    negatives: tuple[Example, ...] = ()  # files where the rule matches and this filter does not fire
    verdict: Verdict = "drop"  # drop the match, or report it as a notice that does not block
    notice: str = ""  # what a notice says about itself (verdict "notice" only)
    rule_ids: frozenset[str] = frozenset()  # rule ids the test names; each must exist in the rule set
    # Notices reported in this filter's place when their stand-in test also holds (first that holds).
    yields_to: tuple[str, ...] = ()
    # A notice's test when it stands in for a filter that yields to it (None: its own test).
    stand_in: Predicate | None = None
    # Where a notice that stood in for a filter blocks instead, as a finding.
    blocks_where: Predicate | None = None
    # False: never judged in order on its own; it stands in for others, or replaces the verdicts `after`.
    chained: bool = True
    after: tuple[str, ...] = ()  # verdicts this filter replaces when it holds (chained=False only)
    settles: bool = False  # when it fires while a stand-in notice is pending, that notice is the verdict

    def applies(self, c: Candidate) -> bool:
        """The filter fires on this candidate: its rule is in scope and its test holds."""
        return self.scope.covers(c.rule) and self.test(c)

    def stands_in(self, c: Candidate) -> bool:
        return self.scope.covers(c.rule) and (self.stand_in or self.test)(c)
