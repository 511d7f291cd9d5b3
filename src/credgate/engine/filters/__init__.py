"""Decoy filters: small named predicates that turn a regex hit into a non-finding, and the verdict.

Each filter is one `Filter` entry in its family's module (markers, published values, placeholders,
passwords, code shapes, value shapes, key names, prose, translations, location) that declares its scope,
whether it drops the match or turns it into a notice, the notice's wording and its own examples
(`credgate filters check` runs them; `credgate filters list` prints the registry, and docs/filters.md is
generated from it). A suppression always says which filter judged (`credgate scan -v`), and a bad filter
is fixed without touching the rules.
"""

from __future__ import annotations

from credgate.engine.filters import (
    code,
    keys,
    location,
    markers,
    passwords,
    placeholders,
    prose,
    published,
    shapes,
    translations,
)
from credgate.engine.filters.code import CODE_EXTENSIONS as CODE_EXTENSIONS
from credgate.engine.filters.entry import Candidate as Candidate
from credgate.engine.filters.entry import Filter
from credgate.engine.filters.location import is_in_test_file as is_in_test_file
from credgate.engine.filters.location import is_test_vector as is_test_vector
from credgate.engine.filters.markers import FOREIGN_MARKERS as FOREIGN_MARKERS
from credgate.engine.filters.markers import NEXT_LINE_MARKERS as NEXT_LINE_MARKERS
from credgate.engine.filters.markers import SAME_LINE_MARKERS as SAME_LINE_MARKERS
from credgate.engine.filters.markers import allow_marker_ids as allow_marker_ids
from credgate.engine.filters.markers import is_inline_allowed as is_inline_allowed
from credgate.engine.filters.markers import marker_on as marker_on
from credgate.engine.filters.markers import marker_reason as marker_reason
from credgate.engine.filters.text import shannon_entropy as shannon_entropy
from credgate.engine.rules import Rule

# Judged in this order, cheapest-and-most-decisive first; the first that fires names the reason. The
# entries after the chain never fire on their own: a notice stands in for a filter that gives way to
# it, and a filter may replace a verdict (see `why_not_secret`).
FILTERS: tuple[Filter, ...] = (
    markers.INLINE_ALLOW,
    published.VENDOR_EXAMPLE,
    shapes.INTEGRITY_DIGEST,
    location.TEST_VECTOR,
    published.SAMPLE_SIGNED_JWT,
    location.SAMPLE_HASH,
    published.RESERVED_EXAMPLE_HOST,
    placeholders.PLACEHOLDER,
    location.EXAMPLE_FILE,
    published.SAMPLE_USERINFO,
    published.BADGE_TOKEN,
    code.REFERENCE,
    code.CODE_IDENTIFIER,
    code.REGEX_PATTERN,
    prose.PROSE_WORD,
    prose.PROSE_OR_PATH,
    translations.LOCALE_FILE_LABEL,
    translations.NATURAL_LANGUAGE_WORD,
    code.TYPE_UNION,
    code.TYPE_DECLARATION,
    code.IDENTIFIER_VALUE,
    code.CONDITIONAL_BRANCH,
    shapes.SIGV4_SCOPE,
    keys.NON_SECRET_KEY,
    keys.FIXTURE_OR_ERROR_KEY,
    keys.TOO_SHORT_FOR_A_TOKEN,
    shapes.LITERAL_CONSTANT,
    shapes.UUID_OUTSIDE_SECRET_CONTEXT,
    shapes.COMMIT_ID_OUTSIDE_SECRET_CONTEXT,
    keys.KEY_ECHO,
    location.DOCTEST_EXAMPLE,
    keys.PUBLIC_OR_STRUCTURAL_KEY,
    shapes.NOT_TOKEN_SHAPED,
    passwords.SELF_DESCRIBING_PASSWORD,
    code.CODE_CONSTANT_NAME,
    code.COMPARISON_OUTSIDE_PASSWORDS,
    placeholders.REPEATED_OR_SEQUENTIAL,
    location.IN_TEST_FILE,
    placeholders.LOW_ENTROPY,
    passwords.WEAK_PASSWORD,
    location.SAMPLE_IN_TEST_FILE,
)
BY_NAME: dict[str, Filter] = {f.name: f for f in FILTERS}
# What each notice says about itself (Finding.advisory names the filter).
NOTICE_TEXT: dict[str, str] = {f.name: f.notice for f in FILTERS if f.verdict == "notice"}
_AFTER = tuple(f for f in FILTERS if f.after)
_chains: dict[int, tuple[Rule, tuple[Filter, ...]]] = {}


def _chain(rule: Rule) -> tuple[Filter, ...]:
    """The chained filters whose scope covers this rule, in order (a filter out of scope never fires)."""
    hit = _chains.get(id(rule))
    if hit is None or hit[0] is not rule:
        hit = (rule, tuple(f for f in FILTERS if f.chained and f.scope.covers(rule)))
        _chains[id(rule)] = hit
    return hit[1]


def why_not_secret(c: Candidate) -> str | None:
    """The name of the filter that judges this candidate, or None when it is a secret."""
    reason = _first_verdict(c)
    for f in _AFTER:
        # `passphrase="secret"` in a test: a fixture's sample, which a notice would only repeat per test.
        if reason in f.after and f.applies(c):
            return f.name
    return reason


def _first_verdict(c: Candidate) -> str | None:
    pending: Filter | None = None  # a notice standing in for a filter that gave way to it
    for f in _chain(c.rule):
        if pending is not None and pending.name in f.yields_to:
            continue  # the notice already stands in for this filter's kind of verdict
        if not f.test(c):
            continue
        if f.settles and pending is not None:
            return pending.name
        if pending is None:
            pending = next((BY_NAME[n] for n in f.yields_to if BY_NAME[n].stands_in(c)), None)
            if pending is not None:
                continue
        return f.name
    if pending is not None and pending.blocks_where is not None and pending.blocks_where(c):
        return None
    return pending.name if pending is not None else None
