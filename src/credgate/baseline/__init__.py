"""The baseline: findings a team has reviewed and accepted, each bound to its path, rule and value.

File format (`.credgate-baseline.jsonl`): one JSON object per line, sorted, no dates and no line
numbers, so regenerating it over unchanged code gives the same bytes and two branches that each
accept a finding merge cleanly under the `merge=union` attribute `credgate baseline` writes::

    # credgate baseline: ...
    {"path": "deploy/settings.env", "rule": "github-pat", "fingerprint": "v1:<32 hex>"}
    {"path": "tests/db.env", "rule": "generic-password-assignment", "fingerprint": "p1:...", "reason": "..."}

An entry accepts a finding only at its own path (or at a path git's rename detection says that
file was moved to since the baseline last changed), under its own rule, with its own key. So a
value copied into a new file blocks, and an entry cannot approve a secret somewhere else: the
key is computable by anyone who holds the value, the path binding is what makes it safe.

The key comes from ONE function, `value_key`: a salted PBKDF2 of the value (`v1:`) when the
value has enough entropy that the slow hash cannot be reversed by a dictionary, and for a
low-entropy value (a weak password, which a dictionary would find) a key derived from its place
only (`p1:`: the rule and the text before the value on its line), so the public file publishes
nothing derived from it. Lines can move; a weak password edited in place keeps its entry.

The loader accepts what a union merge produces (duplicate lines, any order), refuses a file
with conflict markers, and still reads the old single-document JSON baseline (version 1), whose
entries are bound to the path they name, with a message asking to convert it.
"""

# The package's modules: keys (the value key), store (entries and the file), renames, judging
# (what a scan adds and what a baseline accepts), detect_secrets_import. Every name stays importable
# from `credgate.baseline`, where callers have always found it, and is imported on first use: the commit
# hook, which only looks for a baseline file, does not load the judging code.

from credgate import _lazy

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from credgate.baseline.detect_secrets_import import detect_secrets_hash as detect_secrets_hash
    from credgate.baseline.detect_secrets_import import detect_secrets_hashes as detect_secrets_hashes
    from credgate.baseline.judging import Addition as Addition
    from credgate.baseline.judging import Reader as Reader
    from credgate.baseline.judging import Verify as Verify
    from credgate.baseline.judging import _in_advance as _in_advance
    from credgate.baseline.judging import _same as _same
    from credgate.baseline.judging import allowed_inline as allowed_inline
    from credgate.baseline.judging import committed_before as committed_before
    from credgate.baseline.judging import entries_for as entries_for
    from credgate.baseline.judging import history_reader as history_reader
    from credgate.baseline.judging import history_views as history_views
    from credgate.baseline.judging import judge as judge
    from credgate.baseline.judging import judge_history as judge_history
    from credgate.baseline.judging import make_reader as make_reader
    from credgate.baseline.judging import rel_path as rel_path
    from credgate.baseline.judging import unverified as unverified
    from credgate.baseline.judging import unverified_message as unverified_message
    from credgate.baseline.judging import value_was_at as value_was_at
    from credgate.baseline.keys import _pbkdf2 as _pbkdf2
    from credgate.baseline.keys import is_low_entropy as is_low_entropy
    from credgate.baseline.keys import place_context as place_context
    from credgate.baseline.keys import value_key as value_key
    from credgate.baseline.renames import Renames as Renames
    from credgate.baseline.renames import rename_links as rename_links
    from credgate.baseline.store import _CONFLICT_MARKERS as _CONFLICT_MARKERS
    from credgate.baseline.store import ATTRIBUTE as ATTRIBUTE
    from credgate.baseline.store import BASELINE_NAME as BASELINE_NAME
    from credgate.baseline.store import HEADER as HEADER
    from credgate.baseline.store import LEGACY_NAME as LEGACY_NAME
    from credgate.baseline.store import LEGACY_VERSION as LEGACY_VERSION
    from credgate.baseline.store import MAX_SIZE as MAX_SIZE
    from credgate.baseline.store import Baseline as Baseline
    from credgate.baseline.store import Entry as Entry
    from credgate.baseline.store import _load_legacy as _load_legacy
    from credgate.baseline.store import _norm as _norm
    from credgate.baseline.store import _valid_key as _valid_key
    from credgate.baseline.store import added_entries as added_entries
    from credgate.baseline.store import conflict_lines as conflict_lines
    from credgate.baseline.store import fix_hint as fix_hint
    from credgate.baseline.store import legacy_message as legacy_message
    from credgate.baseline.store import load as load
    from credgate.baseline.store import load_text as load_text
    from credgate.baseline.store import render as render
    from credgate.baseline.store import resolve_hint as resolve_hint
else:
    __getattr__ = _lazy.exports(
        __name__,
        globals(),
        {
            "detect_secrets_import": (
                "detect_secrets_hash",
                "detect_secrets_hashes",
            ),
            "judging": (
                "Addition",
                "Reader",
                "Verify",
                "_in_advance",
                "_same",
                "allowed_inline",
                "committed_before",
                "entries_for",
                "history_reader",
                "history_views",
                "judge",
                "judge_history",
                "make_reader",
                "rel_path",
                "unverified",
                "unverified_message",
                "value_was_at",
            ),
            "keys": (
                "_pbkdf2",
                "is_low_entropy",
                "place_context",
                "value_key",
            ),
            "renames": (
                "Renames",
                "rename_links",
            ),
            "store": (
                "_CONFLICT_MARKERS",
                "ATTRIBUTE",
                "BASELINE_NAME",
                "HEADER",
                "LEGACY_NAME",
                "LEGACY_VERSION",
                "MAX_SIZE",
                "Baseline",
                "Entry",
                "_load_legacy",
                "_norm",
                "_valid_key",
                "added_entries",
                "conflict_lines",
                "fix_hint",
                "legacy_message",
                "load",
                "load_text",
                "render",
                "resolve_hint",
            ),
        },
    )
