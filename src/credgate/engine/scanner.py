"""The engine: bytes in, findings out. No git, no cwd, no printing."""

from __future__ import annotations

from dataclasses import dataclass, field

from credgate.engine.content import LineIndex, prepare
from credgate.engine.filters import Candidate, why_not_secret
from credgate.engine.finding import Finding
from credgate.engine.rules import Rule, RuleSet


@dataclass
class ScanResult:
    findings: list[Finding]
    kind: str  # "text", "utf-16" or "binary"
    suppressed: list[tuple[str, int, str]] = field(default_factory=list)  # (rule id, line, filter name)


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
    partner: _Hit | None = None  # the other half of a `near` pair
    replaced_by: _Hit | None = None  # set when dedupe keeps another hit for the same text

    @property
    def note(self) -> str:
        p = self.partner
        while p is not None and p.replaced_by is not None:
            p = p.replaced_by
        return f"paired with {p.rule.id} at line {p.line}" if p is not None else ""


class Scanner:
    def __init__(self, ruleset: RuleSet, include_hidden: bool = False) -> None:
        self.ruleset = ruleset
        self.include_hidden = include_hidden  # `rules check` wants hidden rules' own hits

    def scan(self, raw: bytes, path: str) -> ScanResult:
        content = prepare(raw)
        data = content.data
        rules = self.ruleset.candidates(data.lower(), self.include_hidden)
        if content.kind == "binary":
            # Inside a binary only distinctive tokens are trustworthy; generic
            # patterns would fire on compressed noise.
            rules = [r for r in rules if r.confidence == "high" and not r.near]
        result = ScanResult([], content.kind)
        if not rules:
            return result
        index = LineIndex(data)
        hits: list[_Hit] = []
        for rule in rules:
            hits.extend(self._match(rule, data, path, index, result))
        hits = _resolve_near(hits)
        if not self.include_hidden:
            hits = [h for h in hits if h.rule.visible]
        hits = _dedupe(hits)
        for hit in hits:
            result.findings.append(
                Finding(
                    rule_id=hit.rule.id,
                    rule_name=hit.rule.name,
                    severity=hit.rule.severity,
                    confidence=hit.confidence or hit.rule.confidence,
                    path=path,
                    line=hit.line,
                    col=hit.col,
                    end_line=hit.end_line,
                    hint=hit.rule.hint,
                    url=hit.rule.url,
                    secret=hit.secret,
                    offset=hit.start,
                    note=hit.note,
                )
            )
        result.findings.sort(key=lambda f: (f.line, f.col, f.rule_id))
        return result

    def _match(self, rule: Rule, data: bytes, path: str, index: LineIndex, result: ScanResult) -> list[_Hit]:
        out = []
        groups = rule.secret_groups
        key_group = rule.compiled.groupindex.get(b"key")
        for m in rule.compiled.finditer(data):
            picked = next(((g, q) for g, q in groups if m.start(g) != -1), None)
            if picked is None:
                continue
            gi, quoted = picked
            start, end = m.start(gi), m.end(gi)
            secret = data[start:end]
            if not secret:
                continue
            line, col = index.position(start)
            cand = Candidate(
                rule=rule,
                secret=secret,
                line=index.window(line, start, end),
                prev_line=index.tail(line - 1) if line > 1 else b"",
                path=path,
                key=m.group(key_group) if key_group is not None and m.start(key_group) != -1 else None,
                quoted=quoted,
            )
            reason = why_not_secret(cand)
            verdict = None
            if not reason and rule.validate:
                from credgate.engine.validate import VALIDATORS

                verdict = VALIDATORS[rule.validate](secret)
                if verdict is False:
                    reason = f"failed-{rule.validate}"  # a wrong checksum is a typo or a made-up token
            if reason:
                result.suppressed.append((rule.id, line, reason))
                continue
            end_line = index.line_of(max(start, end - 1))
            out.append(
                _Hit(rule, start, end, secret, line, end_line, col, confidence="high" if verdict else "")
            )
        return out


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
        partners = [p for p in by_rule.get(near.rule, []) if abs(p.line - h.line) <= near.lines]
        if not partners:
            continue
        partner = min(partners, key=lambda p: abs(p.line - h.line))
        h.partner, h.confidence = partner, "high"
        partner.partner, partner.confidence = h, "high"
        kept.append(h)
    return kept


def _dedupe(hits: list[_Hit]) -> list[_Hit]:
    """One secret, one finding: a provider rule beats the generic assignment rule,
    and of two provider rules over the same span the more confident one wins."""
    rank = {"high": 0, "medium": 1, "low": 2}
    ordered = sorted(hits, key=lambda h: (h.rule.generic, rank[h.confidence or h.rule.confidence], h.start))
    kept: list[_Hit] = []
    for h in ordered:
        keeper = next((k for k in kept if k.start < h.end and h.start < k.end), None)
        if keeper is not None:
            h.replaced_by = keeper
            continue
        kept.append(h)
    return kept
