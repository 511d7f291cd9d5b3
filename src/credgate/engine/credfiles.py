"""Credential files recognised by their structure, whatever they are called.

A keystore renamed `cert.bin`, a DER private key, a Terraform state saved as
`prod.json`: a name check misses all of them, and the text rules never see a
binary file. Each check here reads a fixed-size header or walks a bounded
number of DER elements, so the cost does not grow with what the file holds
(the Terraform check parses JSON only once the header names it a state file).

Pure: bytes in, a (kind, why) pair or None out. The same checks are rules of the engine
(`detector = "..."` in rules/credential-file-content.toml): `scan_into` turns them into findings, so
`credgate secrets`, `scan` and the range gates block these files by content too. A finding's "secret"
is a digest of the file, never its bytes: it identifies the content for baselines and dedupe, and shows
nothing of the key when redacted.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence

    from credgate.engine.rules import Rule
    from credgate.engine.scanner import ScanResult

_MAX_ELEMENTS = 64  # a private key has at most ten top-level fields; more is another structure

# Object identifiers, DER-encoded (tag and length included).
_OID_PKCS7_DATA = bytes.fromhex("06092a864886f70d010701")
_OID_PKCS7_SIGNED = bytes.fromhex("06092a864886f70d010702")
_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
_OID_PKCS12_PBE_PREFIX = bytes.fromhex("060a2a864886f70d01010c01")  # 1.2.840.113549.1.12.1.x

_SEQUENCE, _INTEGER, _OCTET_STRING, _OID = 0x30, 0x02, 0x04, 0x06

Detected = tuple[str, str]  # (kind, why)


def _header(data: bytes, pos: int) -> tuple[int, int, int | None] | None:
    """(tag, start of contents, end of contents) of the element at pos; end None for BER's indefinite form."""
    if pos + 2 > len(data):
        return None
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        return None  # multi-byte tags do not occur in the structures below
    first = data[pos + 1]
    if first < 0x80:
        start, length = pos + 2, first
    elif first == 0x80:
        return tag, pos + 2, None
    else:
        n = first & 0x7F
        if n > 4 or pos + 2 + n > len(data):
            return None
        start = pos + 2 + n
        length = int.from_bytes(data[pos + 2 : start], "big")
    end = start + length
    return (tag, start, end) if end <= len(data) else None


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]] | None:
    """The elements that exactly fill data[start:end] (DER, definite lengths), or None."""
    out: list[tuple[int, int, int]] = []
    pos = start
    while pos < end:
        if len(out) >= _MAX_ELEMENTS:
            return None
        h = _header(data, pos)
        if h is None:
            return None
        tag, s, e = h
        if e is None or e > end:
            return None
        out.append((tag, s, e))
        pos = e
    return out


def _small_int(data: bytes, el: tuple[int, int, int]) -> int | None:
    tag, s, e = el
    if tag != _INTEGER or not 1 <= e - s <= 2:
        return None
    return int.from_bytes(data[s:e], "big")


def der_private_key(data: bytes) -> str | None:
    """The format name of a DER-encoded private key that is the whole of data, or None.

    PKCS#1 RSAPrivateKey (version and eight integers), PKCS#8 PrivateKeyInfo (version, algorithm,
    key octets), PKCS#8 EncryptedPrivateKeyInfo under PBES2 or a PKCS#12 PBE scheme, and SEC1
    ECPrivateKey (version 1, key octets, optional [0] parameters and [1] public key).
    """
    top = _header(data, 0)
    if top is None or top[0] != _SEQUENCE or top[2] != len(data):
        return None
    kids = _children(data, top[1], top[2])
    if not kids:
        return None
    version = _small_int(data, kids[0])
    tags = [k[0] for k in kids]
    if version in (0, 1) and len(kids) >= 9 and all(t == _INTEGER for t in tags):
        return "PKCS#1 RSA private key"
    if version == 0 and len(kids) == 6 and all(t == _INTEGER for t in tags) and kids[1][2] - kids[1][1] >= 64:
        return "DSA private key"  # OpenSSL's traditional form: version, p, q, g, y, x
    if version in (0, 1) and len(kids) >= 3 and tags[1] == _SEQUENCE and tags[2] == _OCTET_STRING:
        alg = _children(data, kids[1][1], kids[1][2])
        optional = all(t in (0xA0, 0xA1, 0x81) for t in tags[3:])  # attributes, public key
        if alg and alg[0][0] == _OID and kids[2][2] > kids[2][1] and optional:
            return "PKCS#8 private key"
    if version == 1 and len(kids) >= 2 and tags[1] == _OCTET_STRING and 16 <= kids[1][2] - kids[1][1] <= 72:
        optional = all(t in (0xA0, 0xA1) for t in tags[2:])  # curve parameters, public key
        if optional:
            return "SEC1 EC private key"
    if len(kids) == 2 and tags == [_SEQUENCE, _OCTET_STRING]:
        alg = _children(data, kids[0][1], kids[0][2])
        if alg and alg[0][0] == _OID:
            oid = data[kids[0][1] : alg[0][2]]
            if oid == _OID_PBES2 or oid[: len(_OID_PKCS12_PBE_PREFIX)] == _OID_PKCS12_PBE_PREFIX:
                return "encrypted PKCS#8 private key"
    return None


def _pkcs12(data: bytes) -> bool:
    """PFX: SEQUENCE { INTEGER 3, ContentInfo SEQUENCE { OID data/signedData, ... }, ... } (DER or BER)."""
    top = _header(data, 0)
    if top is None or top[0] != _SEQUENCE:
        return False
    if top[2] is not None and top[2] != len(data):
        return False
    ver = _header(data, top[1])
    if ver is None or ver[2] is None or _small_int(data, (ver[0], ver[1], ver[2])) != 3:
        return False
    info = _header(data, ver[2])
    if info is None or info[0] != _SEQUENCE:
        return False
    oid = data[info[1] : info[1] + len(_OID_PKCS7_DATA)]
    return oid in (_OID_PKCS7_DATA, _OID_PKCS7_SIGNED)


def _terraform_state(data: bytes) -> bool:
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    head = data[:4096].lstrip()
    if not head.startswith(b"{") or b'"terraform_version"' not in head:
        return False
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # deeply nested arrays exhaust the parser's stack, not ours
        return False
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("terraform_version"), str)
        and ("lineage" in doc or "resources" in doc)
    )


def _java_keystore(data: bytes) -> str | None:
    version = data[4:8]
    if version not in (b"\0\0\0\x01", b"\0\0\0\x02"):
        return None
    if data[:4] == b"\xfe\xed\xfe\xed":
        return "Java keystore (JKS)"
    if data[:4] == b"\xce\xce\xce\xce":
        return "Java JCEKS keystore"
    return None


def _keepass(data: bytes) -> str | None:
    # KeePass 2.x (.kdbx) and 1.x (.kdb) share the first signature word.
    if data[:8] in (b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5", b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5"):
        return "KeePass database"
    return None


def _der_key(data: bytes) -> str | None:
    key = der_private_key(data) if data[:1] == b"\x30" else None
    return f"DER-encoded {key}" if key else None


def _pkcs12_store(data: bytes) -> str | None:
    return "PKCS#12 keystore" if data[:1] == b"\x30" and _pkcs12(data) else None


def _terraform(data: bytes) -> str | None:
    return "Terraform state (holds secrets in clear text)" if _terraform_state(data) else None


# The detectors a rule names with `detector = "..."`: bytes in, what the file is (or None) out.
DETECTORS: dict[str, Callable[[bytes], str | None]] = {
    "der-private-key": _der_key,
    "pkcs12-keystore": _pkcs12_store,
    "java-keystore": _java_keystore,
    "keepass-database": _keepass,
    "terraform-state": _terraform,
}
# What `credgate files` calls each kind (its verdicts and .gitignore advice are by kind).
_KINDS = {
    "der-private-key": "private-key",
    "pkcs12-keystore": "keystore",
    "java-keystore": "keystore",
    "keepass-database": "vault",
    "terraform-state": "state",
}


def detect(data: bytes) -> Detected | None:
    """(kind, why) when data is a keystore, a DER private key, a KeePass database or a Terraform state."""
    for name, found in DETECTORS.items():
        what = found(data)
        if what is not None:
            return _KINDS[name], f"{what}, recognised by its content"
    return None


def content_id(data: bytes) -> bytes:
    """What a detector finding carries as its secret: a digest naming this content, none of its bytes."""
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32].encode()


# Base64 of a binary credential file pasted as a value or committed as `keystore.b64` (`base64 release.jks`,
# an Android signing key in CI variables): the DER SEQUENCE headers of keys and PKCS#12 stores
# (`MII`, `MIG`, `MIH`; `MHc` for a P-256 SEC1 key, `MC4C` for an Ed25519 one) and the JKS / JCEKS magic.
# Lines may be wrapped, as base64(1) wraps them at 76 columns.
_B64_RUN = (
    rb"(?:MII|MIG|MIH|MHc|MC4C|/u3\+7Q|zs7Ozg)[A-Za-z0-9+/]{40,}(?:\r?\n[ \t]*[A-Za-z0-9+/]{4,})*={0,2}"
)
_B64_DETECTORS = frozenset({"der-private-key", "pkcs12-keystore", "java-keystore"})
_pattern: Any = None


def _encoded_files(data: bytes) -> list[tuple[int, int, int, list[bytes]]]:
    """(line, end line, offset, what it may decode to) of each base64 run that may hold a key or keystore, PEM
    bodies aside (the PEM rules read those). Linear: one RE2 pass (faster than a substring prefilter for
    each prefix), each run decoded at most twice."""
    global _pattern
    if _pattern is None:
        from credgate.engine import linear

        _pattern = linear.compile(_B64_RUN)
    import base64
    import binascii

    out = []
    line, counted = 1, 0  # lines counted up to `counted`, incrementally: linear however many runs match
    for m in _pattern.finditer(data):
        if b"-----" in data[max(0, m.start() - 200) : m.start()]:
            continue  # a PEM block's body
        line += data.count(b"\n", counted, m.start())
        counted = m.start()
        lines = m.group(0).split()
        # A word on the next line (`next: 1` under a YAML block) joins the run: try without it too.
        options = []
        for kept in (lines, lines[:-1]) if len(lines) > 1 else (lines,):
            body = b"".join(kept)
            try:
                options.append(base64.b64decode(body + b"=" * (-len(body) % 4)))
            except (binascii.Error, ValueError):
                continue
        out.append((line, line + data.count(b"\n", m.start(), m.end()), m.start(), options))
    return out


_JKS_MAGIC = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")
_KEEPASS_MAGIC = b"\x03\xd9\xa2\x9a"


_SMALL = 16 * 1024


def _may_hold_one(data: bytes) -> bool:
    """False when no detector can find anything in data: a necessary condition of each, checked first
    because nearly every file fails all of them (a few byte compares, and in a small text five substring
    searches, instead of a regex pass and a loop over the detector rules).

    - DER keys and PKCS#12 stores are a SEQUENCE: the first byte is 0x30 (`_der_key`, `_pkcs12_store`);
    - JKS / JCEKS and KeePass files start with their magic (`_java_keystore`, `_keepass`);
    - a Terraform state names `"terraform_version"` within 4096 bytes after an optional BOM
      (`_terraform_state` reads `data[3:4099]` at most);
    - a base64-encoded key or keystore is a _B64_RUN match, which starts with one of its literals
      (`MII`, `MIG`, `MIH` share `MI`).
    """
    if data[:1] == b"\x30" or data[:4] in _JKS_MAGIC or data[:4] == _KEEPASS_MAGIC:
        return True
    if data.find(b'"terraform_version"', 0, 4099) != -1:  # `in data[:4099]`, without the copy
        return True
    if len(data) > _SMALL:
        return True  # five substring searches would cost more than the one regex pass they save
    return b"MI" in data or b"MHc" in data or b"MC4C" in data or b"/u3+7Q" in data or b"zs7Ozg" in data


def scan_into(
    result: ScanResult,
    data: bytes,
    path: str,
    rules: Sequence[Rule],
    notices: str,
    include_hidden: bool,
    b64_runs: bool = True,
) -> None:
    """Add a finding to result for each detector rule whose structure data has: the whole file, or
    for keys and keystores a base64 run that decodes to one (reported at the run).

    A match in a test path follows the rule's `in_tests`, as regex rules do: "notice" reports it
    without blocking (or blocks, or hides it, by `notices`), "skip" leaves it out. `b64_runs` False: the
    caller knows data holds no _B64_RUN match (the prefilter's gates), so no run is looked for.
    """
    if not _may_hold_one(data):
        return
    encoded: list[tuple[int, int, int, list[bytes]]] | None = None
    for rule in rules:
        if not (rule.visible or include_hidden) or not rule.applies_to(path) or rule.detector is None:
            continue
        what = DETECTORS[rule.detector](data)
        if what is not None:
            _report(result, rule, path, data, what, (1, data.count(b"\n") + 1, 0), notices)
            continue
        if rule.detector not in _B64_DETECTORS:
            continue
        if encoded is None:
            encoded = _encoded_files(data) if b64_runs else []
        for line, end_line, start, options in encoded:
            for raw in options:
                what = DETECTORS[rule.detector](raw)
                if what is not None:
                    _report(result, rule, path, raw, f"{what} in base64", (line, end_line, start), notices)
                    break


def _report(
    result: ScanResult,
    rule: Rule,
    path: str,
    data: bytes,
    what: str,
    where: tuple[int, int, int],
    notices: str,
) -> None:
    """One detector finding; where: (line, end line, offset). The whole file (or run) is the match, so
    any line a change adds to it touches it."""
    from credgate.engine.filters import Candidate, is_in_test_file, is_test_vector
    from credgate.engine.finding import Finding

    line, end_line, offset = where
    ident = content_id(data)
    probe = Candidate(rule=rule, secret=ident, line=b"", prev_line=b"", path=path)
    advisory = ""
    if is_test_vector(probe):  # `in_tests = "skip"`
        result.suppressed.append((rule.id, line, "test-vector"))
        return
    if is_in_test_file(probe):
        if notices == "hide":
            result.suppressed.append((rule.id, line, "in-test-file"))
            return
        advisory = "in-test-file" if notices == "report" else ""
    result.findings.append(
        Finding(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=rule.severity,
            confidence="low" if advisory else rule.confidence,
            path=path,
            line=line,
            col=1,
            end_line=end_line,
            hint=rule.hint,
            url=rule.url,
            secret=ident,
            offset=offset,
            note=f"{what}, recognised by its content (its secret is shown as a digest of it)",
            advisory=advisory,
        )
    )
