"""Inline markers: `credgate:allow`, its next-line and per-rule forms, and other scanners' markers.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import ALL, Candidate, Example, Filter

_lazy = linear.compile


ALLOW_MARKER = b"credgate:allow"
ALLOW_NEXT_LINE = b"credgate:allow-next-line"
DETECT_SECRETS_PRAGMA = b"pragma: allowlist secret"  # honoured so migrating repos keep their markers
DETECT_SECRETS_NEXTLINE = b"pragma: allowlist nextline secret"
# The one list of inline markers (policy.py disarms the next-line ones, `credgate suppressions` lists them
# all). Other scanners' words are honoured so a team that moves to credgate keeps the markers it has:
# each allows every rule on its line, as it does in the tool that defined it.
FOREIGN_MARKERS = (
    DETECT_SECRETS_PRAGMA,
    b"gitleaks:allow",
    b"trufflehog:ignore",
    b"kingfisher:ignore",
    b"kingfisher:allow",
    b"ggignore",  # ggshield
)
SAME_LINE_MARKERS = (ALLOW_MARKER, *FOREIGN_MARKERS)
NEXT_LINE_MARKERS = (ALLOW_NEXT_LINE, DETECT_SECRETS_NEXTLINE)


_MARKER_IDS_SPLIT_RE = _lazy(rb"[,\s]")


def is_inline_allowed(c: Candidate) -> bool:
    # A marker is read outside the value: a token that happens to spell `ggignore` does not allow itself.
    line = c.line.replace(c.secret, b" ") if c.secret else c.line
    if any(m in line for m in FOREIGN_MARKERS) or any(m in c.prev_line for m in NEXT_LINE_MARKERS):
        return True
    return any(ids is None or c.rule.id in ids for ids in allow_marker_ids(line))


def allow_marker_ids(line: bytes) -> list[frozenset[str] | None]:
    """The `credgate:allow` markers on a line: None for a bare marker (every rule), else the rule ids
    of `credgate:allow=ID[,ID]`. A next-line marker is not one of them."""
    out: list[frozenset[str] | None] = []
    pos = line.find(ALLOW_MARKER)
    while pos != -1:
        rest = line[pos + len(ALLOW_MARKER) : pos + len(ALLOW_MARKER) + 1024]
        if rest.startswith(b"-next-line"):
            pass
        elif not rest.startswith(b"="):
            out.append(None)
        else:
            ids = _MARKER_IDS_SPLIT_RE.split(rest[1:].split(None, 1)[0] if rest[1:].strip() else b"")
            out.append(frozenset(i.decode("utf-8", "replace") for i in ids if i))
        pos = line.find(ALLOW_MARKER, pos + 1)
    return out


_REASON_RE = _lazy(rb"\breason\s*=\s*(?:\"([^\"\n]{0,200})\"|'([^'\n]{0,200})')")


def marker_reason(line: bytes) -> str:
    """The reason a marker gives (`credgate:allow reason="public demo key"`), "" if none."""
    m = _REASON_RE.search(line)
    if m is None:
        return ""
    return (m.group(1) or m.group(2) or b"").decode("utf-8", "replace")


def marker_on(line: bytes, prev_line: bytes = b"") -> str:
    """The marker that allows a line ("" if none): on the line itself, else a next-line one above it."""
    for m in SAME_LINE_MARKERS:
        at = line.find(m)
        while at != -1:
            if m != ALLOW_MARKER or not line.startswith(b"-next-line", at + len(m)):
                return m.decode()
            at = line.find(m, at + 1)
    for m in NEXT_LINE_MARKERS:
        if m in prev_line:
            return m.decode()
    return ""


INLINE_ALLOW = Filter(
    name="inline-allow",
    test=is_inline_allowed,
    scope=ALL,
    summary="An inline marker allows the line: `credgate:allow` (or `credgate:allow=RULE-ID` for one rule), "
    "`credgate:allow-next-line` above it, or another scanner's marker (detect-secrets, gitleaks, "
    "trufflehog, kingfisher, ggshield).",
    positives=(
        Example("token: %%github:ghp_%%  # credgate:allow=github-pat", "deploy.yml", "github-pat"),
        Example("# credgate:allow-next-line\ntoken: %%github:ghp_%%", "deploy.yml", "github-pat"),
        Example("token: %%github:ghp_%%  # gitleaks:allow", "deploy.yml", "github-pat"),
    ),
    negatives=(
        # A marker for another rule allows nothing here.
        Example("token: %%github:ghp_%%  # credgate:allow=aws-access-key-id", "deploy.yml", "github-pat"),
    ),
)
