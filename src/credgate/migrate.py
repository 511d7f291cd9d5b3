"""What another secret scanner's files mean in credgate terms, for `credgate init`.

Read, never executed, and converted only where the meaning carries over without widening what is
let through: a gitleaks path regex becomes an `exclude` pattern only when the pattern matches no more
than the regex did; anything else is listed as not converted, with the reason, so a reviewer decides.

- `.gitleaks.toml` (and the files its `[extend] path` names): `[allowlist]` / `[[allowlists]]` paths become
  `exclude`, regexes and stopwords become `allow-values` (matched on the secret value only);
- `.gitleaksignore`: `commit:path:rule:line` and `path:rule:line` fingerprints become baseline entries for
  the finding credgate reports on that line (gitleaks' rule ids are not credgate's: the line decides);
- `.secrets.baseline` (detect-secrets): converted by `credgate baseline --from-detect-secrets`, which
  accepts only findings whose value detect-secrets recorded for the same file.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from credgate import config as config_mod
from credgate.errors import UsageError

GITLEAKS_CONFIG = ".gitleaks.toml"
GITLEAKS_IGNORE = ".gitleaksignore"
DETECT_SECRETS_BASELINE = ".secrets.baseline"
MAX_SIZE = 4 * 1024 * 1024  # these files are small; more is not one of them
_MAX_EXTENDS = 8  # `[extend] path` chains


@dataclass
class Fingerprint:
    """One `.gitleaksignore` line: the commit (or "" for the work tree), path, gitleaks rule and line."""

    commit: str
    path: str
    rule: str
    line: int
    text: str


@dataclass
class Migration:
    exclude: list[str] = field(default_factory=list)
    allow_values: list[str] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)
    detect_secrets: str | None = None  # path of a .secrets.baseline to convert
    sources: list[str] = field(default_factory=list)  # the files found
    converted: list[str] = field(default_factory=list)
    not_converted: list[str] = field(default_factory=list)

    @property
    def config_settings(self) -> dict[str, list[str]]:
        out = {}
        if self.exclude:
            out["exclude"] = self.exclude
        if self.allow_values:
            out["allow-values"] = self.allow_values
        return out


def read_small(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror}") from None
    if len(data) > MAX_SIZE:
        raise UsageError(f"{path}: over {MAX_SIZE // (1024 * 1024)} MiB, so it is not read")
    return data


# ---------------------------------------------------------------- gitleaks path regexes


_LITERAL = re.compile(r"[A-Za-z0-9_/@~%+,=-]")


def path_regex_to_pattern(rx: str) -> str | None:
    """A gitignore pattern that matches no path the Go regex does not, or None when there is none simple.

    gitleaks searches the regex anywhere in the repository-relative path. The forms teams write are a
    directory (`vendor/`, `(^|/)node_modules/`, `^tests/fixtures/`), a suffix (`\\.lock$`, `go\\.sum$`)
    and an exact file (`^package-lock\\.json$`)."""
    s = rx.strip()
    anywhere = True
    if s.startswith("(^|/)"):
        s = s[5:]
    elif s.startswith("^"):
        s, anywhere = s[1:], False
    at_end = s.endswith("$") and not s.endswith("\\$")
    if at_end:
        s = s[:-1]
    if s.endswith(".*") and not at_end:
        s = s[:-2]  # redundant in an unanchored search
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and not s[i + 1].isalnum():
            out.append(s[i + 1])
            i += 2
        elif _LITERAL.fullmatch(ch):
            out.append(ch)
            i += 1
        else:
            return None  # a class, a group, a quantifier: no gitignore pattern means the same
    lit = "".join(out)
    if not lit.strip("/") or any(c in lit for c in "*?[]!#\\ ") or "//" in lit:
        return None
    if at_end and anywhere and lit.startswith(".") and "/" not in lit:
        return "*" + lit  # a suffix: every file whose name ends so
    if not anywhere:
        return "/" + lit.lstrip("/") + ("" if at_end or lit.endswith("/") else ("" if "." in lit else "/"))
    # Searched anywhere: as a whole name at any depth (narrower than the regex, which also matched
    # inside longer names); a name with a slash inside is anchored by git, so it gets **/.
    inner = lit.strip("/")
    pattern = inner + ("/" if lit.endswith("/") else "")
    return pattern if "/" not in inner else "**/" + pattern


# ---------------------------------------------------------------- .gitleaks.toml


def _toml(data: bytes, source: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"{source}: not a valid gitleaks config: {exc}", f"fix {source}, then rerun"
        ) from None


def _strings(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _allowlists(doc: dict[str, Any]) -> list[dict[str, Any]]:
    tables = []
    if isinstance(doc.get("allowlist"), dict):
        tables.append(doc["allowlist"])
    tables += (
        [t for t in doc.get("allowlists", []) if isinstance(t, dict)]
        if isinstance(doc.get("allowlists"), list)
        else []
    )
    return tables


def _allow_value(pattern: str, source: str, m: Migration) -> None:
    try:
        config_mod.parse(f"allow-values = [{_toml_str(pattern)}]\n", source)
    except UsageError as exc:
        m.not_converted.append(f"{source}: allowlist regex {pattern!r}: {exc.message.split(': ', 1)[-1]}")
        return
    if pattern not in m.allow_values:
        m.allow_values.append(pattern)
    m.converted.append(f"{source}: allowlist regex {pattern!r} -> allow-values")


def read_gitleaks(root: str, m: Migration, rel: str = GITLEAKS_CONFIG, depth: int = 0) -> None:
    path = os.path.join(root, rel)
    doc = _toml(read_small(path), rel)
    m.sources.append(rel)
    extend = doc.get("extend")
    if isinstance(extend, dict):
        if extend.get("useDefault"):
            m.converted.append(f"{rel}: [extend] useDefault -> credgate's built-in rules (always on)")
        target = extend.get("path")
        if isinstance(target, str):
            nxt = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
            if nxt.startswith("../") or posixpath.isabs(target) or depth >= _MAX_EXTENDS:
                m.not_converted.append(f"{rel}: [extend] path {target!r}: outside the repository, not read")
            elif not os.path.isfile(os.path.join(root, nxt)):
                m.not_converted.append(f"{rel}: [extend] path {target!r}: no such file")
            else:
                m.converted.append(f"{rel}: [extend] path {target!r} -> read too")
                read_gitleaks(root, m, nxt, depth + 1)
        if isinstance(extend.get("url"), str):
            m.not_converted.append(f"{rel}: [extend] url: credgate never fetches config from the network")
        for key in ("disabledRules",):
            if extend.get(key):
                m.not_converted.append(
                    f"{rel}: [extend] {key}: gitleaks rule ids are not credgate's; "
                    "use disable-rules with ids from `credgate rules list` if you still need it"
                )
    rules = doc.get("rules")
    if isinstance(rules, list) and rules:
        m.not_converted.append(
            f"{rel}: {len(rules)} custom [[rules]]: write them as credgate rules (rules/README.md) if "
            "the built-in rules miss them"
        )
    for table in _allowlists(doc):
        target = table.get("regexTarget", "secret")
        for rx in _strings(table, "paths"):
            pattern = path_regex_to_pattern(rx)
            if pattern is None:
                m.not_converted.append(
                    f"{rel}: allowlist path {rx!r}: no gitignore pattern means the same; "
                    "add an exclude by hand"
                )
                continue
            try:
                config_mod.parse(f"exclude = [{_toml_str(pattern)}]\n", rel)
            except UsageError as exc:
                m.not_converted.append(f"{rel}: allowlist path {rx!r}: {exc.message.split(': ', 1)[-1]}")
                continue
            if pattern not in m.exclude:
                m.exclude.append(pattern)
            m.converted.append(f"{rel}: allowlist path {rx!r} -> exclude {pattern!r}")
        for rx in _strings(table, "regexes"):
            if target not in ("secret", "", None):
                m.not_converted.append(
                    f"{rel}: allowlist regex {rx!r} has regexTarget = {target!r}: credgate matches allow "
                    "patterns on the secret value only"
                )
                continue
            _allow_value(rx, rel, m)
        for word in _strings(table, "stopwords"):
            if len(word) < 3:
                m.not_converted.append(f"{rel}: stopword {word!r}: too short to allow values by")
                continue
            _allow_value("(?i)" + re.escape(word).replace("\\-", "-"), rel, m)
        if _strings(table, "commits"):
            m.not_converted.append(
                f"{rel}: allowlist commits: credgate accepts findings by path and value, not commit; "
                "run `credgate baseline --history` to accept reviewed history findings"
            )


def _toml_str(text: str) -> str:
    return "'''" + text + "'''" if "'''" not in text and "\n" not in text else repr(text)


# ---------------------------------------------------------------- .gitleaksignore


_SHA = re.compile(r"^[0-9a-f]{7,64}$")


def parse_gitleaksignore(text: str, source: str, m: Migration) -> None:
    """`commit:path:rule:line` or `path:rule:line`, one per line; `#` comments. A path may hold colons."""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.rsplit(":", 2)
        if len(parts) != 3 or not parts[2].isdigit() or not parts[1]:
            m.not_converted.append(f"{source}:{n}: not a gitleaks fingerprint ({line[:80]!r})")
            continue
        head, rule, lineno = parts
        commit, _, path = head.partition(":")
        if not _SHA.match(commit) or not path:
            commit, path = "", head
        m.fingerprints.append(Fingerprint(commit, path, rule, int(lineno), f"{source}:{n}"))


def detect(root: str) -> Migration:
    """Every other scanner's file at the root, read and converted."""
    m = Migration()
    if os.path.isfile(os.path.join(root, GITLEAKS_CONFIG)):
        read_gitleaks(root, m)
    ignore_path = os.path.join(root, GITLEAKS_IGNORE)
    if os.path.isfile(ignore_path):
        m.sources.append(GITLEAKS_IGNORE)
        parse_gitleaksignore(read_small(ignore_path).decode("utf-8", "replace"), GITLEAKS_IGNORE, m)
    if os.path.isfile(os.path.join(root, DETECT_SECRETS_BASELINE)):
        m.sources.append(DETECT_SECRETS_BASELINE)
        m.detect_secrets = os.path.join(root, DETECT_SECRETS_BASELINE)
    return m


def config_text(settings: dict[str, list[str]]) -> str:
    """A `.credgate.toml` holding the converted settings (literal strings: a regex keeps its backslashes)."""
    lines = ["# Written by `credgate init` from another scanner's config; review it and commit it.\n"]
    for key, values in settings.items():
        lines.append(f"{key} = [{', '.join(_toml_str(v) for v in values)}]\n")
    return "".join(lines)
