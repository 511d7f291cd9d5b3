"""Reports CI systems understand: SARIF 2.1.0, GitHub workflow annotations, JUnit XML.

Same invariant as report.py: a secret appears only redacted, paths and messages
pass through `safe()`, and no snippet of the scanned line is ever included.
"""

from __future__ import annotations

from urllib.parse import quote

from credgate import __version__, output_escape
from credgate.engine.finding import Finding
from credgate.fingerprint import bound_to_value, fingerprint
from credgate.report import Report, safe

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
    from credgate.report import suppression_of

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
    return output_escape.dumps_json(doc)


_gh_data = output_escape.gh_data
_gh_prop = output_escape.gh_property


def to_github(report: Report) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per finding."""
    lines = []
    for f in report.findings:
        props = (
            f"file={_gh_prop(output_escape.controls(f.path))},line={f.line},endLine={f.end_line},col={f.col},"
            f"title={_gh_prop('credgate ' + f.rule_id)}"
        )
        lines.append(f"::{'error' if f.blocking else 'notice'} {props}::{_gh_data(_message(f))}")
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
    x = output_escape.xml_text
    suites = ET.Element("testsuites", name="credgate", tests=str(max(n, 1)), failures=str(n))
    suite = ET.SubElement(
        suites, "testsuite", name=x(f"credgate: {report.scope}"), tests=str(max(n, 1)), failures=str(n)
    )
    for f in blocking:  # a notice is not a failed test
        case = ET.SubElement(
            suite, "testcase", classname=f"credgate.{f.rule_id}", name=x(f"{f.path}:{f.line}")
        )
        failure = ET.SubElement(case, "failure", type=f.rule_id, message=x(f"{f.rule_name}: {f.redacted()}"))
        failure.text = x(_message(f))
    if not n:
        ET.SubElement(suite, "testcase", classname="credgate", name=x(f"no secrets in {report.scope}"))
    return output_escape.xml_document(ET.tostring(suites, encoding="unicode", xml_declaration=True))
