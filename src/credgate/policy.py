"""Which files are credentials by name: the list the env-file gate protects.

Shared by the `.gitignore` coverage check, the credential-file hook and the
audit, so all three agree on what "an env file" or "a key file" is. Patterns
use gitignore syntax (matched with pathspec); a repository adds to or removes
from the list in `.credgate.toml` (`protect`, `unprotect`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from credgate.engine import dotenv
from credgate.engine.filters import NEXT_LINE_MARKERS

# Committed on purpose, with placeholder values: their values are still scanned.
ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults"})


@dataclass(frozen=True)
class Protected:
    """A credential file name pattern .gitignore must cover, with the probes that show it does."""

    pattern: str  # gitignore syntax, matches at any depth unless anchored
    kind: str  # "env", "private-key", "keystore", "cloud-credentials", "tool-credentials", "state", "vault"
    why: str
    probes: tuple[str, ...]  # concrete file names that must be ignored for the pattern to count as covered
    by_content: bool = False  # only a credential when its content says so (checked by credgate-files)


DEFAULT_PROTECTED: tuple[Protected, ...] = (
    Protected(".env", "env", "dotenv file with the real values", (".env",)),
    Protected(
        ".env.*",
        "env",
        "per-environment dotenv file (.env.local, .env.production, .env.master...)",
        (".env.local", ".env.master", ".env.production", ".env.development", ".env.staging", ".env.prod"),
    ),
    Protected(
        "*.pem",
        "private-key",
        "PEM file (private keys, certificate bundles with keys)",
        ("server.pem",),
        True,
    ),
    Protected("*.key", "private-key", "private key file", ("server.key",), True),
    Protected("id_rsa", "private-key", "SSH private key", ("id_rsa",)),
    Protected("id_dsa", "private-key", "SSH private key", ("id_dsa",)),
    Protected("id_ecdsa", "private-key", "SSH private key", ("id_ecdsa",)),
    Protected("id_ed25519", "private-key", "SSH private key", ("id_ed25519",)),
    Protected("*.ppk", "private-key", "PuTTY private key", ("deploy.ppk",)),
    Protected("*.p12", "keystore", "PKCS#12 keystore", ("cert.p12",)),
    Protected("*.pfx", "keystore", "PKCS#12 keystore", ("cert.pfx",)),
    Protected("*.jks", "keystore", "Java keystore", ("release.jks",)),
    Protected("*.jceks", "keystore", "Java JCEKS keystore", ("release.jceks",)),
    Protected("*.bks", "keystore", "Bouncy Castle keystore", ("release.bks",)),
    Protected("*.keystore", "keystore", "Android/Java keystore", ("release.keystore",)),
    Protected(".npmrc", "tool-credentials", "npm config (can hold _authToken)", (".npmrc",), True),
    Protected(".pypirc", "tool-credentials", "PyPI upload credentials", (".pypirc",)),
    Protected(".netrc", "tool-credentials", "machine login credentials", (".netrc",)),
    Protected(".git-credentials", "tool-credentials", "git credential store", (".git-credentials",)),
    Protected(".dockercfg", "tool-credentials", "Docker registry credentials", (".dockercfg",)),
    Protected(".htpasswd", "tool-credentials", "HTTP basic-auth password file", (".htpasswd",)),
    Protected(".pgpass", "tool-credentials", "PostgreSQL password file", (".pgpass",)),
    Protected(
        "credentials.json",
        "cloud-credentials",
        "OAuth client or service-account credentials",
        ("credentials.json",),
    ),
    Protected(
        "*service-account*.json",
        "cloud-credentials",
        "GCP service-account key",
        ("gcp-service-account.json",),
        True,
    ),
    Protected(
        "kubeconfig", "cloud-credentials", "Kubernetes client config (tokens, client keys)", ("kubeconfig",)
    ),
    Protected("*.tfstate", "state", "Terraform state (holds secrets in clear text)", ("terraform.tfstate",)),
    Protected("*.tfstate.backup", "state", "Terraform state backup", ("terraform.tfstate.backup",)),
    Protected("*.kdbx", "vault", "KeePass database", ("passwords.kdbx",)),
)


def normalize_name(name: str) -> str:
    """The name a file would have without case and backup suffixes: `CERT.P12.BAK` -> `cert.p12`."""
    return dotenv.normalize_name(name)


def normalize_path(path: str) -> str:
    """path with its last component normalized (directories keep their case: `protect` may name them)."""
    head, _, name = path.rpartition("/")
    norm = normalize_name(name)
    return f"{head}/{norm}" if head else norm


def is_dotenv_name(name: str) -> bool:
    """`.env`, `.env.production`, `.env-local`, `ENV.PRODUCTION`, `.env.bak`: a dotenv name (or template)."""
    return dotenv.is_dotenv_name(normalize_name(name))


def is_env_template(path: str) -> bool:
    """`.env.example`, `.env.production.sample`, `example.env`, `env.dist`: dotenv-format templates."""
    return dotenv.is_dotenv_template(path)


def is_env_file(path: str) -> bool:
    """A dotenv file (`.env`, `.env.*`, `*.env`, `ENV.PRODUCTION`, backups) at any depth, templates excepted:
    the one definition the scanner's env rules use too (`credgate.engine.dotenv`)."""
    return dotenv.is_dotenv(path) and not dotenv.is_dotenv_template(path)


def is_dotenv_path(path: bytes) -> bool:
    """A dotenv file with real values: `.env`, `.env.production`, `ENV.PRODUCTION` (not a template)."""
    return is_env_file(os.fsdecode(path))


# `prod.env`, `config/secrets.env`: dotenv files the `.env.*` pattern does not name. The credential-file
# gate treats them as `.env.*` does (the env rules scan them as dotenv files); `.gitignore` coverage
# is judged on the listed patterns.
NAMED_DOTENV = Protected(
    "*.env", "env", "dotenv file named for its environment (prod.env, config/secrets.env)", ("prod.env",)
)


def dotenv_dir(path: str) -> str | None:
    """The leading directory of path named like a dotenv file (`.env.production/app`), or None.

    Such a directory is a virtualenv (`python -m venv .env`) or a way around the name check; the
    caller tells them apart by the `pyvenv.cfg` a virtualenv has.
    """
    parts = path.split("/")[:-1]
    for i, part in enumerate(parts):
        if is_dotenv_name(part) and not is_env_template(part):
            return "/".join(parts[: i + 1])
    return None


def protected_list(protect: list[str] | None = None, unprotect: list[str] | None = None) -> list[Protected]:
    """The default list, minus `unprotect` patterns, plus `protect` patterns from the config."""
    drop = set(unprotect or ())
    items = [p for p in DEFAULT_PROTECTED if p.pattern not in drop]
    for pattern in protect or ():
        if pattern in drop or any(p.pattern == pattern for p in items):
            continue
        probe = pattern.strip("/").replace("**/", "").replace("*", "credgate-probe")
        items.append(Protected(pattern, "custom", "listed in .credgate.toml", (probe,)))
    return items


# ---------------------------------------------------------------- next-line allow markers
#
# `credgate:allow-next-line` (and detect-secrets' nextline pragma) allows whatever is on the line below
# it. A reviewer approved the marker together with that line, so it may only cover a line added in the
# same change as the marker, or a line that was already there: a line inserted under a marker that the
# change does not touch was never seen with it. The gates disarm such a marker before scanning, by
# overwriting it with bytes of the same length (offsets and line numbers do not move).
# The markers are engine.filters' one list; each is disarmed by the same length with "allow" -> "stale".
_MARKERS = {m.decode(): m.decode().replace("allow", "stale", 1) for m in NEXT_LINE_MARKERS}
# UTF-16 files too, in their own bytes: lines are counted by "\n" bytes, which is how git numbers the
# lines of the `--text` diff the added lines come from.
_DISARMED = {
    marker.encode(codec): replacement.encode(codec)
    for marker, replacement in _MARKERS.items()
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
}


def _marker_positions(data: bytes, first_line: int) -> list[tuple[int, int, bytes]]:
    """(offset, line, marker) of every next-line marker, in one linear pass per marker."""
    found: list[tuple[int, int, bytes]] = []
    for marker in _DISARMED:
        line, counted = first_line, 0
        at = data.find(marker)
        while at != -1:
            line += data.count(b"\n", counted, at)  # counted incrementally: linear in the data
            counted = at
            found.append((at, line, marker))
            at = data.find(marker, at + len(marker))
    return found


def next_line_marker_lines(data: bytes, first_line: int = 1) -> set[int]:
    """The lines of data (numbered from first_line) that hold a next-line allow marker."""
    return {line for _, line, _ in _marker_positions(data, first_line)}


def stale_next_line_markers(markers: set[int], added: set[int] | None) -> set[int]:
    """Marker lines that may not cover their next line: the next line is added, the marker is not."""
    if added is None:
        return set()  # every line counts as added (a new file, --all-lines): each marker came with it
    return {m for m in markers if m not in added and m + 1 in added}


def disarm_next_line_markers(data: bytes, stale: set[int], first_line: int = 1) -> bytes:
    """data with the next-line markers on the stale lines overwritten, same length."""
    if not stale:
        return data
    hits = [(at, marker) for at, line, marker in _marker_positions(data, first_line) if line in stale]
    if not hits:
        return data
    out = bytearray(data)
    for at, marker in hits:
        out[at : at + len(marker)] = _DISARMED[marker]
    return bytes(out)
