"""Which files are credentials by name: the list the env-file gate protects.

Shared by the `.gitignore` coverage check, the credential-file hook and the
audit, so all three agree on what "an env file" or "a key file" is. Patterns
use gitignore syntax (matched with pathspec); a repository adds to or removes
from the list in `.credgate.toml` (`protect`, `unprotect`).
"""

from __future__ import annotations

from dataclasses import dataclass

from credgate.engine import dotenv

# Committed on purpose, with placeholder values: their values are still scanned.
ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults"})


@dataclass(frozen=True)
class Protected:
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
    Protected("*.keystore", "keystore", "Android/Java keystore", ("release.keystore",)),
    Protected(".npmrc", "tool-credentials", "npm config (can hold _authToken)", (".npmrc",), True),
    Protected(".pypirc", "tool-credentials", "PyPI upload credentials", (".pypirc",)),
    Protected(".netrc", "tool-credentials", "machine login credentials", (".netrc",)),
    Protected(".git-credentials", "tool-credentials", "git credential store", (".git-credentials",)),
    Protected(".dockercfg", "tool-credentials", "Docker registry credentials", (".dockercfg",)),
    Protected(".htpasswd", "tool-credentials", "HTTP basic-auth password file", (".htpasswd",)),
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


def is_env_template(path: str) -> bool:
    return dotenv.is_dotenv_template(path)


def is_env_file(path: str) -> bool:
    """A dotenv file (`.env`, `.env.*`, `*.env`) at any depth, templates excepted: the one
    definition the scanner's env rules use too (`credgate.engine.dotenv`)."""
    return dotenv.is_dotenv(path) and not dotenv.is_dotenv_template(path)


# `prod.env`, `config/secrets.env`: dotenv files the `.env.*` pattern does not name. The credential-file
# gate treats them as `.env.*` does (the env rules scan them as dotenv files); `.gitignore` coverage
# is judged on the listed patterns.
NAMED_DOTENV = Protected(
    "*.env", "env", "dotenv file named for its environment (prod.env, config/secrets.env)", ("prod.env",)
)


def dotenv_by_name(path: str, protected: list[Protected]) -> Protected | None:
    """For a path no protected pattern matched: a dotenv file all the same, while `.env.*` is protected."""
    if is_env_file(path) and any(p.pattern == ".env.*" for p in protected):
        return NAMED_DOTENV
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
