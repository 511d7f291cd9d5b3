"""The engine: bytes in, findings out. No git, no cwd, no printing."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

from credgate.engine import encoded, linear
from credgate.engine.binary import binary_pattern
from credgate.engine.concat import joined_findings
from credgate.engine.content import Content, LineIndex, prepare
from credgate.engine.filters import NOTICE_TEXT, Candidate, why_not_secret
from credgate.engine.finding import Finding
from credgate.engine.rules import Rule, RuleSet

# Filters whose verdict is "probably not a secret" rather than "not a secret": the match is
# still reported, as a notice that does not block (see Finding.advisory). Each filter's entry declares it.
SOFT_FILTERS = frozenset(NOTICE_TEXT)
# A failed checksum or key parse may be a typo, a truncated paste or a redacted body of a real
# credential, so it is shown without blocking. A failed JWT, macaroon or Grafana parse means another kind of
# string (a Power BI `?r=eyJrIjoi...` link decodes to other JSON than a Grafana key).
SOFT_VALIDATORS = frozenset({"github-crc32", "npm-crc32", "pem-der", "teamwork-token"})
NOTICES = ("report", "block", "hide")
ADVISORY_TEXT = NOTICE_TEXT  # what each notice says, declared in its filter's entry
MAX_DECODE_DEPTH = 2  # base64 inside base64 is still read; deeper nesting is not configuration
# Judging one value costs about a millisecond (dozens of filters); a line gets this many different values
# judged per rule, and any beyond them are reported unjudged (blocking), so one line's work is bounded.
MAX_JUDGED_PER_LINE = 200
_GATE_ABOVE = (
    16 * 1024
)  # bytes of text from which the prefilter's gates are asked (credfiles' own exit below)
_MEMO_STRETCH = 4096  # bytes of one line over which a repeated value keeps its verdict (the filters' window)


@dataclass
class ScanResult:
    findings: list[Finding]
    kind: str  # "text", "utf-16" or "binary"
    suppressed: list[tuple[str, int, str]] = field(default_factory=list)  # (rule id, line, filter name)
    # (line, start, end, value) of each match an inline marker allows: the value is allowed on that line
    # for every rule, so `credgate:allow=aws-access-key-id` is not followed by the generic rule's report.
    allowed_spans: list[tuple[int, int, int, bytes]] = field(default_factory=list, repr=False)
    # The findings an inline marker allowed, for reports that show what was waved through (JSON, SARIF
    # `suppressions`); each carries ("suppression", {"marker", "reason"}) in `extra`. Bounded per file.
    allowed: list[Finding] = field(default_factory=list, repr=False)


@dataclass
class _Hit:
    rule: Rule
    start: int
    end: int
    secret: bytes
    line: int
    end_line: int
    col: int
    confidence: str = ""
    advisory: str = ""
    partner: _Hit | None = None  # the other half of a `near` pair
    replaced_by: _Hit | None = None  # set when dedupe keeps another hit for the same text
    unjudged: bool = False  # over the per-line budget: reported without the decoy filters

    @property
    def note(self) -> str:
        p = self.partner
        while p is not None and p.replaced_by is not None:
            p = p.replaced_by
        paired = f"paired with {p.rule.id} at line {p.line}" if p is not None else ""
        if self.unjudged:
            why = f"not judged: more than {MAX_JUDGED_PER_LINE} different values of this rule on one line"
            return f"{why}; {paired}" if paired else why
        return paired


def advisory_text(reason: str) -> str:
    """What a notice says about itself."""
    if reason.startswith("failed-"):
        return f"its {reason[len('failed-') :]} check fails: a typo, a truncated paste or a made-up token"
    return ADVISORY_TEXT.get(reason, reason)


class Scanner:
    def __init__(
        self,
        ruleset: RuleSet,
        include_hidden: bool = False,
        notices: str = "report",
        allow_values: tuple[bytes, ...] = (),
    ) -> None:
        self.ruleset = ruleset
        # The config's allow-values: RE2 patterns searched in a matched value alone (linear time).
        self.allow_values = tuple(linear.compile(p) for p in allow_values)
        self.include_hidden = include_hidden  # `rules check` wants hidden rules' own hits
        # "report": soft matches become non-blocking notices; "block": they block like findings;
        # "hide": they are suppressed like decoys.
        self.notices = notices

    def scan(self, raw: bytes, path: str) -> ScanResult:
        if path.endswith(".ipynb"):
            from credgate.engine import notebook

            parsed = notebook.read(raw)
            if parsed is not None:
                return self._scan_notebook(raw, path, parsed)
        from credgate.engine import structure

        # One preparation and one lower-cased copy serve the scan and the structure pass.
        content = prepare(raw)
        prepared = (content, content.data.lower())
        # A binary or a large text asks the prefilter once which raw-byte passes can find anything.
        gates = None
        if content.kind == "binary" or len(raw) > _GATE_ABOVE:
            gates = self.ruleset.prefilter().gates(raw)
        scanned = self._scan(raw, path, 0, prepared=prepared, gates=gates if content.data is raw else None)
        # Names and values that the file's structure joins across lines (engine/structure.py).
        result = structure.extend(self, raw, path, scanned, prepared)
        if self.ruleset.detectors:  # keystores, DER keys, Terraform state: by structure (engine/credfiles.py)
            from credgate.engine import credfiles

            b64_runs = gates is None or "b64-file" in gates
            credfiles.scan_into(
                result, raw, path, self.ruleset.detectors, self.notices, self.include_hidden, b64_runs
            )
        return result

    def _scan_notebook(self, raw: bytes, path: str, nb: Notebook) -> ScanResult:
        """Scan every string of a notebook (engine/notebook.py), not its JSON syntax or image payloads.

        Findings point at the exact line and column in the notebook file, where the value sits in the
        JSON (so the staged gate's added-line check applies), and name the cell.
        """
        inner = self._scan(nb.text, path, 0)
        result = ScanResult([], "text", inner.suppressed)
        index = LineIndex(raw)
        text_index = LineIndex(nb.text)
        for f in inner.findings:
            block = nb.block_of(f.offset)
            at = nb.file_offset(f.offset)
            line, col = index.position(at)
            end_line = index.line_of(nb.file_offset(f.offset + max(len(f.secret), 1) - 1))
            if "inside " in f.note:
                end_line = line  # reported at the encoded run, which sits on one line of the file
            first = text_index.line_of(block.start)
            where = f"cell {block.cell} ({block.kind})" if block.cell else block.kind
            where += f", line {f.line - first + 1}"
            note = f"{where}; {f.note}" if f.note else where
            result.findings.append(
                replace(f, line=line, col=col, end_line=max(end_line, line), offset=at, note=note)
            )
        result.findings.sort(key=lambda f: (f.line, f.col, f.rule_id))
        return result

    def _scan(
        self,
        raw: bytes,
        path: str,
        depth: int,
        binary: bool = False,
        prepared: tuple[Content, bytes] | None = None,
        gates: frozenset[str] | None = None,
    ) -> ScanResult:
        """`prepared`: `prepare(raw)` and its data lower-cased, when the caller has them already; `gates`:
        the prefilter's gates of the data (Prefilter.gates), when the caller has them."""
        if prepared is not None:
            content, lowered = prepared
        else:
            content = Content(raw, "binary") if binary else prepare(raw)
            lowered = content.data.lower()
        data = content.data
        # In a binary the rules run their secret pattern alone (engine/binary.py), which the prefilter's view
        # of the whole regex does not cover: there it reads those patterns, byte by byte (any bytes).
        text = data if content.kind != "binary" else None
        inside = data if content.kind == "binary" else None
        candidates = self.ruleset.candidates(lowered, self.include_hidden, text, inside)
        rules = [r for r in candidates if r.applies_to(path)]
        if content.kind == "binary":
            # Inside a binary only distinctive tokens are trustworthy; generic
            # patterns would fire on compressed noise (see engine/binary.py).
            rules = [r for r in rules if _in_binaries(r)]
        result = ScanResult([], content.kind)
        index = LineIndex(data)
        decoded_spans: list[tuple[int, int]] = []
        if content.kind != "binary" and depth < MAX_DECODE_DEPTH:
            decoded_spans = encoded.scan_encoded(self, data, path, depth, index, result)
        if content.kind != "binary" and depth == 0:
            # Values split across adjacent string literals (engine/concat.py), scanned joined, one level down.
            result.findings += joined_findings(data, index, lambda blob: self._scan(blob, path, 1).findings)
        if content.kind == "binary" and b"\x00" in data:
            if gates is None:
                gates = self.ruleset.prefilter().gates(data)
            if gates is None or "utf16" in gates:  # else no UTF-16 run of the pattern's length is there
                encoded.scan_utf16_strings(self, data, path, index, result)
        if not rules:
            return result
        hits: list[_Hit] = []
        for rule in rules:
            pattern = binary_pattern(rule) if content.kind == "binary" else None
            hits.extend(self._match(rule, data, path, index, result, pattern))
        if result.allowed_spans:
            hits = _drop_allowed_values(hits, result)
        hits = _resolve_near(hits)
        if not self.include_hidden:
            hits = [h for h in hits if h.rule.visible]
        hits = _dedupe(hits)
        # A provider token found inside a base64 value says more than "a value under a key".
        hits = [
            h
            for h in hits
            if not (h.rule.generic and any(a < h.end and h.start < b for a, b in decoded_spans))
        ]
        for hit in hits:
            result.findings.append(
                Finding(
                    rule_id=hit.rule.id,
                    rule_name=hit.rule.name,
                    severity=hit.rule.severity,
                    confidence="low" if hit.advisory else hit.confidence or hit.rule.confidence,
                    path=path,
                    line=hit.line,
                    col=hit.col,
                    end_line=hit.end_line,
                    hint=hit.rule.hint,
                    url=hit.rule.url,
                    secret=hit.secret,
                    offset=hit.start,
                    note=hit.note,
                    advisory=hit.advisory if self.notices == "report" else "",
                )
            )
        result.findings.sort(key=lambda f: (f.line, f.col, f.rule_id))
        return result

    def _match(
        self, rule: Rule, data: bytes, path: str, index: LineIndex, result: ScanResult, pattern: Any = None
    ) -> list[_Hit]:
        """The rule's matches, judged. `pattern` replaces the rule's own (its secret alone, in binaries)."""
        out = []
        compiled = rule.compiled if pattern is None else pattern
        groups = rule.secret_groups if pattern is None else ((1, False),)
        key_group = compiled.groupindex.get(b"key")
        # The same value under the same name, again and again on one line (a minified bundle, or a line
        # built to stall the hook: 1 MB of `password="`), is judged once per stretch of the line.
        memo: dict[tuple[int, int, bytes, bytes | None, bool], tuple[str | None, bool | None]] = {}
        memo_line = 0
        for m in compiled.finditer(data):
            picked = next(((g, q) for g, q in groups if m.start(g) != -1), None)
            if picked is None:
                continue
            gi, quoted = picked
            start, end = m.start(gi), m.end(gi)
            secret = data[start:end]
            if not secret:
                continue
            line, col = index.position(start)
            key = m.group(key_group) if key_group is not None and m.start(key_group) != -1 else None
            if line != memo_line:
                memo.clear()
                memo_line = line
            seen = (line, start // _MEMO_STRETCH, secret, key, quoted)
            unjudged = False
            if seen in memo:
                reason, verdict = memo[seen]
            elif len(memo) >= MAX_JUDGED_PER_LINE:
                # Fail closed: a value past the budget blocks as it is, so a line cannot buy time or hide.
                reason, verdict, unjudged = None, None, True
            else:
                reason, verdict = self._judge(rule, data, path, index, line, start, end, secret, key, quoted)
                if reason is None and any(p.search(secret) for p in self.allow_values):
                    reason, verdict = "allow-values", None
                memo[seen] = (reason, verdict)
            soft = bool(reason) and (
                reason in SOFT_FILTERS
                or reason == f"failed-{rule.validate}"
                and rule.validate in SOFT_VALIDATORS
            )
            if reason and (not soft or self.notices == "hide"):
                result.suppressed.append((rule.id, line, reason))
                if reason == "inline-allow":
                    result.allowed_spans.append((line, start, end, secret))
                    _record_allowed(result, rule, path, index, line, col, start, end, secret)
                continue
            end_line = index.line_of(max(start, end - 1))
            confidence = "low" if reason else "high" if verdict else ""
            hit = _Hit(
                rule, start, end, secret, line, end_line, col, confidence, reason or "", unjudged=unjudged
            )
            out.append(hit)
        return out

    @staticmethod
    def _judge(
        rule: Rule,
        data: bytes,
        path: str,
        index: LineIndex,
        line: int,
        start: int,
        end: int,
        secret: bytes,
        key: bytes | None,
        quoted: bool,
    ) -> tuple[str | None, bool | None]:
        """Why a match is not a secret (None if it is one), and its validator's verdict."""
        cand = Candidate(
            rule=rule,
            secret=secret,
            line=index.window(line, start, end),
            prev_line=index.tail(line - 1) if line > 1 else b"",
            path=path,
            key=key,
            quoted=quoted,
            data=data,
            offset=start,
        )
        reason = why_not_secret(cand)
        verdict = None
        if not reason and rule.validate:
            from credgate.engine.validate import VALIDATORS

            verdict = VALIDATORS[rule.validate](secret)
            if verdict is False:
                reason = f"failed-{rule.validate}"  # a wrong checksum is a typo or a made-up token
        return reason, verdict


MAX_ALLOWED_RECORDED = 1000  # per file: a generated file full of markers cannot grow a report without bound


def _record_allowed(
    result: ScanResult,
    rule: Rule,
    path: str,
    index: LineIndex,
    line: int,
    col: int,
    start: int,
    end: int,
    secret: bytes,
) -> None:
    from credgate.engine.filters import marker_on, marker_reason

    if len(result.allowed) >= MAX_ALLOWED_RECORDED:
        return
    text = index.window(line, start, end)
    prev = index.tail(line - 1) if line > 1 else b""
    marker = marker_on(text, prev)
    reason = marker_reason(text if marker and marker in text.decode("latin-1") else prev)
    result.allowed.append(
        Finding(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=rule.severity,
            confidence=rule.confidence,
            path=path,
            line=line,
            col=col,
            end_line=index.line_of(max(start, end - 1)),
            hint=rule.hint,
            url=rule.url,
            secret=secret,
            offset=start,
            extra=(("suppression", {"kind": "inSource", "marker": marker, "reason": reason}),),
        )
    )


def _drop_allowed_values(hits: list[_Hit], result: ScanResult) -> list[_Hit]:
    """Hits of other rules on a value an inline marker allowed on the same line (the same span, or one
    holding the other), counted as suppressed: a reviewer allows a value, not one rule's view of it."""
    by_line: dict[int, list[tuple[int, int, bytes]]] = {}
    for line, start, end, value in result.allowed_spans:
        by_line.setdefault(line, []).append((start, end, value))
    kept = []
    for h in hits:
        allowed = by_line.get(h.line, ())
        if any(
            (a < h.end and h.start < b)
            or (min(len(v), len(h.secret)) >= 8 and (v in h.secret or h.secret in v))
            for a, b, v in allowed[:64]  # a line of thousands of markers costs no more than 64 checks a hit
        ):
            result.suppressed.append((h.rule.id, h.line, "inline-allow"))
            continue  # the allowed value is already recorded once, under the rule the marker named
        kept.append(h)
    return kept


def _in_binaries(rule: Rule) -> bool:
    """A distinctive token's rule (engine/binary.py), or any high-confidence rule without a partner."""
    return binary_pattern(rule) is not None or (rule.confidence == "high" and rule.near is None)


def _resolve_near(hits: list[_Hit]) -> list[_Hit]:
    """Keep a `near` rule's hit only beside its partner; mark both as a confident pair."""
    by_rule: dict[str, list[_Hit]] = {}
    for h in hits:
        by_rule.setdefault(h.rule.id, []).append(h)
    kept = []
    for h in hits:
        near = h.rule.near
        if near is None:
            kept.append(h)
            continue
        partners = [
            p for p in by_rule.get(near.rule, []) if abs(p.line - h.line) <= near.lines and not p.advisory
        ]
        if not partners:
            continue
        partner = min(partners, key=lambda p: abs(p.line - h.line))
        h.partner, h.confidence = partner, "high"
        partner.partner, partner.confidence = h, "high"
        kept.append(h)
    return kept


def _dedupe(hits: list[_Hit]) -> list[_Hit]:
    """One secret, one finding: a provider rule beats the generic assignment rule,
    even when the provider rule only has a notice to give (it knows the format better),
    and of two provider rules over the same span the more confident one wins."""
    rank = {"high": 0, "medium": 1, "low": 2}
    ordered = sorted(
        hits,
        key=lambda h: (h.rule.generic, bool(h.advisory), rank[h.confidence or h.rule.confidence], h.start),
    )
    kept: list[_Hit] = []
    # Kept hits never overlap, so ordered by start they end in order too: the one kept hit that can
    # overlap a new one is the last to start before it ends (a scan of every kept hit was quadratic).
    starts: list[int] = []
    by_start: list[_Hit] = []
    for h in ordered:
        at = bisect_left(starts, h.end) - 1
        keeper = by_start[at] if at >= 0 and by_start[at].end > h.start else None
        if keeper is not None:
            h.replaced_by = keeper
            continue
        kept.append(h)
        at += 1
        starts.insert(at, h.start)
        by_start.insert(at, h)
    return kept


TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:  # at the end: notebook.py is imported only when a notebook is scanned
    from typing import Any

    from credgate.engine.notebook import Notebook
