"""Output for machines: JSON, SARIF 2.1.0, GitHub workflow annotations and JUnit XML.

A secret appears only redacted (`Finding.redacted()`), content-derived text passes through
the escaping its channel needs (output/escape.py), and no snippet of the scanned line is
ever included.
"""

from __future__ import annotations

from urllib.parse import quote

from credgate import __version__
from credgate.engine.finding import Finding
from credgate.fingerprint import bound_to_value, fingerprint
from credgate.gate.report import Report
from credgate.output.escape import controls, dumps_json, gh_data, gh_property, safe, xml_document, xml_text


def to_json(report: Report, exit_code: int) -> str:
    s = report.stats
    doc = {
        "tool": "credgate",
        "version": __version__,
        "scope": safe(report.scope),
        "exit_code": exit_code,
        "findings": [
            {
                "path": safe(f.path),
                "line": f.line,
                "col": f.col,
                "end_line": f.end_line,
                "rule": f.rule_id,
                "rule_name": safe(f.rule_name),
                "severity": f.severity,
                "confidence": f.confidence,
                "secret": f.redacted(),
                "note": safe(f.note),
                "blocking": f.blocking,
                **({"advisory": f.advisory} if f.advisory else {}),
                **({"commit": f.commit} if f.commit else {}),
                **dict(f.extra),
                "hint": safe(f.hint),
                "url": safe(f.url),
            }
            for f in report.findings
        ],
        "stats": {
            "files": s.files,
            "bytes": s.bytes,
            "binary": [safe(p) for p in s.binary],
            "too_large": [{"path": safe(p), "size": n} for p, n in s.too_large],
            "unreadable": [safe(p) for p in s.unreadable],
            "commits": s.commits,
            "excluded": s.excluded,
            "suppressed": s.suppressed,
            "not_blocking": s.not_blocking,
            "baselined": s.baselined,
            "allowed_at_head": s.allowed_at_head,
            "skipped": [{"path": safe(p), "why": why} for p, why in s.skipped],
            "ignored": s.ignored,
        },
        "suppressed": [suppressed_doc(f) for f in s.inline_allowed],
        "accepted": [
            {
                "path": safe(f.path),
                "line": f.line,
                "rule": f.rule_id,
                "secret": f.redacted(),
                **({"commit": f.commit} if f.commit else {}),
                **dict(f.extra),
            }
            for f in report.accepted
        ],
    }
    return dumps_json(doc)


def suppression_of(f: Finding) -> dict[str, str]:
    """The marker and reason of a finding an inline marker allowed (see engine.scanner)."""
    info = dict(f.extra).get("suppression")
    return {k: str(v) for k, v in info.items()} if isinstance(info, dict) else {}


def suppressed_doc(f: Finding) -> dict[str, object]:
    sup = suppression_of(f)
    return {
        "path": safe(f.path),
        "line": f.line,
        "rule": f.rule_id,
        "secret": f.redacted(),
        "marker": safe(sup.get("marker", "")),
        "reason": safe(sup.get("reason", "")),
        **({"commit": f.commit} if f.commit else {}),
    }


# SARIF, GitHub and JUnit: the reports CI systems read.
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _message(f: Finding) -> str:
    if f.advisory:
        from credgate.engine.scanner import advisory_text

        return f"{safe(f.rule_name)}: {f.redacted()} {safe(advisory_text(f.advisory))}; not blocking."
    text = f"{safe(f.rule_name)}: secret {f.redacted()}."
    if f.note:
        text += f" ({safe(f.note)})"
    if f.commit:
        text += f" Added in commit {f.commit}."
    return f"{text} Rotate it: {safe(f.hint)}"


def _fingerprint_key(f: Finding) -> str:
    """`credgateSecret/v1` for a fingerprint of the value, `credgateLocation/v1` for one of rule and path."""
    return "credgateSecret/v1" if bound_to_value(f) else "credgateLocation/v1"


def to_sarif(report: Report) -> str:
    rules: dict[str, int] = {}
    rule_objs: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    suppressed = {id(f) for f in report.stats.inline_allowed}
    for f in [*report.findings, *report.stats.inline_allowed]:
        if f.rule_id not in rules:
            rules[f.rule_id] = len(rule_objs)
            rule: dict[str, object] = {
                "id": f.rule_id,
                "name": "".join(w.capitalize() for w in f.rule_id.split("-")),
                "shortDescription": {"text": safe(f.rule_name)},
                "help": {"text": safe(f.hint)},
                "defaultConfiguration": {"level": _LEVEL[f.severity]},
                "properties": {"tags": ["security", "secret"], "severity": f.severity},
            }
            if f.url:
                rule["helpUri"] = safe(f.url)
            rule_objs.append(rule)
        region = {"startLine": f.line, "startColumn": f.col, "endLine": f.end_line}
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "ruleIndex": rules[f.rule_id],
            "level": _LEVEL[f.severity] if f.blocking else "note",
            "message": {"text": _message(f)},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(safe(f.path))}, "region": region}}
            ],
            # Stable across line moves and reformatting: keyed on the secret when it cannot be guessed,
            # else on rule and path (credgate/fingerprint.py), so no dictionary can test guesses on it.
            "partialFingerprints": {_fingerprint_key(f): fingerprint(f)},
            "properties": {
                "confidence": f.confidence,
                "blocking": f.blocking,
                **({"advisory": f.advisory} if f.advisory else {}),
                **({"commit": f.commit} if f.commit else {}),
            },
        }
        if id(f) in suppressed:
            # An inline marker allowed it: reported as suppressed in source, with the marker's reason.
            sup = suppression_of(f)
            suppression: dict[str, object] = {"kind": "inSource", "status": "accepted"}
            if sup.get("reason"):
                suppression["justification"] = safe(sup["reason"])
            result["suppressions"] = [suppression]
            result["level"] = "note"
            result["message"] = {
                "text": f"{safe(f.rule_name)}: {f.redacted()} "
                f"allowed by {safe(sup.get('marker') or 'a marker')}."
            }
            props = result["properties"]
            if isinstance(props, dict):
                props["blocking"] = False
        results.append(result)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "credgate", "version": __version__, "rules": rule_objs}},
                "results": results,
                "invocations": [{"executionSuccessful": not report.stats.unreadable}],
            }
        ],
    }
    return dumps_json(doc)


def to_github(report: Report) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per finding."""
    lines = []
    for f in report.findings:
        props = (
            f"file={gh_property(controls(f.path))},line={f.line},endLine={f.end_line},col={f.col},"
            f"title={gh_property('credgate ' + f.rule_id)}"
        )
        lines.append(f"::{'error' if f.blocking else 'notice'} {props}::{gh_data(_message(f))}")
    n = sum(f.blocking for f in report.findings)
    lines.append(
        f"credgate: {n} secret{'s' * (n != 1)} found in {safe(report.scope)}" if n else "credgate: no secrets"
    )
    return "\n".join(lines)


def to_junit(report: Report) -> str:
    import xml.etree.ElementTree as ET

    blocking = [f for f in report.findings if f.blocking]
    n = len(blocking)
    # Every value is passed through `xml_text`: one U+FFFF in a file name would make the whole
    # report invalid XML, and the CI system would drop it.
    suites = ET.Element("testsuites", name="credgate", tests=str(max(n, 1)), failures=str(n))
    suite = ET.SubElement(
        suites, "testsuite", name=xml_text(f"credgate: {report.scope}"), tests=str(max(n, 1)), failures=str(n)
    )
    for f in blocking:  # a notice is not a failed test
        case = ET.SubElement(
            suite, "testcase", classname=f"credgate.{f.rule_id}", name=xml_text(f"{f.path}:{f.line}")
        )
        failure = ET.SubElement(
            case, "failure", type=f.rule_id, message=xml_text(f"{f.rule_name}: {f.redacted()}")
        )
        failure.text = xml_text(_message(f))
    if not n:
        ET.SubElement(suite, "testcase", classname="credgate", name=xml_text(f"no secrets in {report.scope}"))
    return xml_document(ET.tostring(suites, encoding="unicode", xml_declaration=True))
