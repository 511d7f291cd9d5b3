"""Credential files recognised by the key material they hold: PuTTY private keys, `.npmrc` auth
lines and service-account JSON.

These are the content checks of the credential-file gate (`credgate files`, `credgate audit`): a
`.npmrc` or a `*service-account*.json` is a credential only when it holds the secret, and a PuTTY key
is one under any name. Each detector is pure (bytes and a repo-relative path in, findings out) and
bounded: one substring search and a window of at most a few KB per hit, or one JSON parse of a file
the gate has already size-limited.

Each detector carries its own positive and negative examples (synth templates, so the repository
holds no key material): `credgate rules list` shows the detectors beside the rules and
`credgate rules check` runs their examples (`check_examples`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from credgate.engine import linear
from credgate.engine.finding import Finding

TYPE_CHECKING = False  # typing itself is not imported at run time (a blocked commit loads this module)
if TYPE_CHECKING:
    from typing import Callable

# A run this long of base64 characters is key material, not a placeholder like "..." or "${KEY}".
KEY_MATERIAL = linear.compile(rb"[A-Za-z0-9+/=]{40,}")  # RE2: linear in the scanned bytes
NPM_AUTH_KEYS = frozenset({"_authToken", "_auth", "_password"})
ORIGIN = "engine/keyfiles.py"  # where `credgate rules list` says the detectors come from
_PUTTY_WINDOW = 4096  # bytes read after `Private-Lines:`; a PuTTY key body is a few hundred
_JSON_WINDOW = 8192  # bytes read after `"private_key"` when the file is not valid JSON


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _finding(
    path: str, data: bytes, offset: int, secret: bytes, rule_id: str, name: str, hint: str
) -> Finding:
    line, col = _position(data, offset)
    return Finding(rule_id, name, "critical", "high", path, line, col, line, hint, "", secret=secret)


def putty_keys(data: bytes, path: str) -> list[Finding]:
    """PuTTY .ppk files (v2 and v3): a header line, then `Private-Lines: N` and the key."""
    start = data.find(b"PuTTY-User-Key-File-")
    if start == -1:
        return []
    private = data.find(b"Private-Lines:", start)
    if private == -1:
        return []
    body = data[private : private + _PUTTY_WINDOW].split(b"\n", 1)[-1]
    if not KEY_MATERIAL.search(body):
        return []  # a documentation snippet with the body elided
    hint = "Remove the public half from every authorized_keys, then generate a new key pair."
    return [
        _finding(path, data, start, body.split(b"\n", 1)[0], "private-key-putty", "PuTTY private key", hint)
    ]


def npmrc_auth(data: bytes, path: str) -> list[Finding]:
    """`_authToken`, `_auth` or `_password` with a literal value; `${NPM_TOKEN}` is how it should look."""
    if posixpath.basename(path) != ".npmrc":
        return []
    out = []
    offset = 0
    for raw in data.split(b"\n"):
        line = raw.strip()
        key, sep, value = line.partition(b"=")
        name = key.strip().rsplit(b":", 1)[-1].decode("utf-8", "replace")
        value = value.strip().strip(b"\"'")
        if (
            sep
            and name in NPM_AUTH_KEYS
            and value
            and b"${" not in value
            and not line.startswith((b"#", b";"))
        ):
            at = offset + raw.find(value)
            out.append(_finding(path, data, at, value, "npmrc-auth", f"npm {name} in .npmrc",
                                "Revoke the token at npmjs.com (or your registry), then reference it as "
                                "${NPM_TOKEN} in .npmrc and set the variable in CI."))  # fmt: skip
        offset += len(raw) + 1
    return out


def service_account_key(data: bytes, path: str) -> list[Finding]:
    """A service-account JSON whose "private_key" holds key material (not "" or "${...}")."""
    if not path.endswith(".json") or b'"private_key"' not in data:
        return []
    values: list[str] = []
    try:
        import json  # a file that names a private key only

        doc = json.loads(data)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        value = doc.get("private_key")
        if isinstance(value, str):
            values.append(value)
    else:
        # Not valid JSON (a truncated or templated file): look at the text after the key.
        at = data.find(b'"private_key"')
        values.append(data[at + len(b'"private_key"') : at + _JSON_WINDOW].decode("utf-8", "replace"))
    for value in values:
        material = KEY_MATERIAL.search(value.replace("\\n", "\n").encode("utf-8", "replace"))
        if material:
            at = data.find(b'"private_key"')
            return [_finding(path, data, at, material.group(0), "service-account-private-key",
                             "service-account private key",
                             "Delete the key (gcloud iam service-accounts keys delete KEY_ID) and create a "
                             "new one only if keyless auth cannot be used.")]  # fmt: skip
    return []


@dataclass(frozen=True)
class Detector:
    """One content detector, described for `credgate rules list` and checked by `credgate rules check`."""

    id: str  # the detector's own id (`keyfile:...`), distinct from the rule ids of the findings it makes
    rule_id: str  # the rule id of its findings
    name: str
    detect: Callable[[bytes, str], list[Finding]]
    example_path: str  # a path the detector applies to, for its examples
    examples: tuple[str, ...]  # synth templates (engine/synth.py) that must be found
    negative_examples: tuple[str, ...]  # and ones that must not
    severity: str = "critical"
    confidence: str = "high"


_PUTTY_HEAD = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n"
_SA_HEAD = (
    '{\n  "type": "service_account",\n  "project_id": "acme-prod",\n  "private_key_id": "%%rand:hex:40%%",\n'
)

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "keyfile:putty-private-key",
        "private-key-putty",
        "PuTTY private key file (.ppk v2/v3, any name)",
        putty_keys,
        "deploy.ppk",
        (
            _PUTTY_HEAD + "%%rand:base64:64%%\n%%rand:base64:20%%\nPrivate-Lines: 1\n%%rand:base64:48%%\n"
            "Private-MAC: %%rand:hex:64%%\n",
            "PuTTY-User-Key-File-2: ssh-rsa\r\nEncryption: none\r\nPublic-Lines: 1\r\n%%rand:base64:60%%\r\n"
            "Private-Lines: 2\r\n%%rand:base64:64%%\r\n%%rand:base64:12%%\r\n"
            "Private-MAC: %%rand:hex:40%%\r\n",
        ),
        (
            _PUTTY_HEAD + "<public key>\nPrivate-Lines: 1\n<private key>\n",
            "Save the key as PuTTY-User-Key-File-3 (a .ppk) with PuTTYgen; Private-Lines: follow.",
            _PUTTY_HEAD + "%%rand:base64:64%%\n",
        ),
    ),
    Detector(
        "keyfile:npmrc-auth",
        "npmrc-auth",
        ".npmrc registry credential (_authToken, _auth, _password with a literal value)",
        npmrc_auth,
        ".npmrc",
        (
            "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=%%rand:alnum:36%%\n",
            '//npm.acme.io/repo/:_password="%%rand:base64:24%%"\n',
            "_auth = %%rand:base64:32%%\n",
        ),
        (
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
            "# _authToken=%%rand:alnum:36%%\n; _password=%%rand:alnum:12%%\n",
            "registry=https://registry.npmjs.org/\nsave-exact=true\n_authToken=\n",
        ),
    ),
    Detector(
        "keyfile:service-account-json",
        "service-account-private-key",
        'service-account JSON key ("private_key" holding key material)',
        service_account_key,
        "gcp-service-account.json",
        (
            _SA_HEAD + '  "private_key": "-----BEGIN PRIVATE KEY-----\\n%%rand:base64:64%%\\n'
            '%%rand:base64:64%%\\n-----END PRIVATE KEY-----\\n",\n'
            '  "client_email": "deploy@acme-prod.iam.gserviceaccount.com"\n}\n',
            # Truncated or templated (not valid JSON): the text after the key still decides.
            _SA_HEAD + '  "private_key": "%%rand:base64:80%%", {{ extra }}\n',
        ),
        (
            _SA_HEAD
            + '  "private_key": "${GCP_PRIVATE_KEY}",\n  "client_email": "x@y.iam.gserviceaccount.com"\n}\n',
            _SA_HEAD + '  "private_key": "",\n  "client_email": "x@y.iam.gserviceaccount.com"\n}\n',
            '{"type": "service_account", "private_key_id": "%%rand:hex:40%%"}\n',
        ),
    ),
)


def detect(data: bytes, path: str) -> list[Finding]:
    """Every detector's findings for one file."""
    return [f for d in DETECTORS for f in d.detect(data, path)]


def check_examples() -> list[tuple[str, str]]:
    """(detector id, problem) for each example a detector misses and each negative example it finds."""
    from credgate.engine.synth import TemplateError, expand

    problems: list[tuple[str, str]] = []
    for d in DETECTORS:
        for kind, templates, want in (
            ("example", d.examples, True),
            ("negative", d.negative_examples, False),
        ):
            for i, template in enumerate(templates):
                try:
                    text = expand(template, f"{d.id}:{kind}:{i}")
                except TemplateError as exc:
                    problems.append((d.id, f"{kind} #{i + 1}: bad template: {exc}"))
                    continue
                found = any(f.rule_id == d.rule_id for f in d.detect(text.encode(), d.example_path))
                if want and not found:
                    problems.append((d.id, f"example #{i + 1} is not found by the detector"))
                elif not want and found:
                    problems.append((d.id, f"negative example #{i + 1} is matched by the detector"))
    return problems
