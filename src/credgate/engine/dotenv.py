"""What a dotenv file is, by name: the one definition every gate uses.

The credential-file gate (`credgate files`, through `credgate.policy`), the env-specific rules
(`files = [".env", ".env.*", "*.env"]` in rules/generic.toml) and the filters that treat a value in
an env file as deployed all ask this module, so `prod.env`, `ENV.PRODUCTION` or `.env.production.bak`
cannot be a dotenv file to one gate and an ordinary file to another.

A name is first normalized: compared case-insensitively, without the backup suffixes editors and
tools leave (`.bak`, `.orig`, `~`, `.1700000000`, vim's `.name.swp`), since a copy holds what the
original holds. A dotenv file is then `.env`, `.env.*` / `.env-*` / `.env_*` (`.env.production`),
`*.env` (`prod.env`, `config/secrets.env`), `*.env.<environment or template word>`
(`app.env.production`, `app.env.sample`) or `env.<environment>` (`env.production`, the leading dot
dropped). A template is a dotenv name that carries a template word (`.env.example`,
`example.env`, `.env.production.sample`, `env.dist`): committed on purpose, its values are still
scanned.
"""

from __future__ import annotations

# The globs the env rules declare (tests/engine/test_dotenv.py keeps them equal); a rule that
# names exactly these is matched with `is_dotenv`, not with the globs.
DOTENV_GLOBS = (".env", ".env.*", "*.env")
# Copies that editors, tools and people leave behind: `cert.p12.bak`, `id_rsa~`, `.env.production.orig`,
# `terraform.tfstate.1700000000.backup` (Terraform's own name).
_BACKUP_SUFFIXES = frozenset("bak backup bkp old orig save sav swp swo tmp copy prev".split())
# Words that name a template (`.env.example`, `app.env.sample`, `.env.production.dist`).
_TEMPLATE_WORDS = frozenset(
    "example examples sample samples template templates tpl dist default defaults".split()
)
# `env.production`, `ENV.STAGING`: a dotenv file without its leading dot, named after an environment.
_ENVIRONMENTS = frozenset(
    "production prod staging stage development dev local test testing qa uat preprod live master main"
    " secret secrets private".split()
)


def normalize_name(name: str) -> str:
    """The name a file would have without case and backup suffixes: `CERT.P12.BAK` -> `cert.p12`."""
    name = name.lower()
    if name.startswith(".") and name.endswith((".swp", ".swo")) and len(name) > 5:
        name = name[1:-4]  # vim's swap file `.id_rsa.swp` holds the text of `id_rsa`
    while True:
        if name.endswith("~") and len(name) > 1:
            name = name[:-1]
            continue
        stem, dot, suffix = name.rpartition(".")
        if (
            dot
            and stem not in ("", ".")
            and (suffix in _BACKUP_SUFFIXES or (suffix.isdigit() and suffix.isascii()))
        ):
            name = stem
            continue
        return name


def _has_template_word(name: str) -> bool:
    return any(word in _TEMPLATE_WORDS for word in name.replace("-", ".").replace("_", ".").split("."))


def _name(path: str) -> str:
    return normalize_name(path.replace("\\", "/").rsplit("/", 1)[-1])


def is_dotenv_name(name: str) -> bool:
    """A normalized base name that is a dotenv file's (templates included)."""
    if name == ".env" or name.startswith((".env.", ".env-", ".env_")):
        return True
    if name.endswith(".env") and len(name) > 4:
        return True
    stem, dot, env = name.partition(".")
    if stem == "env" and dot == "." and _env_word(env.split(".")[0]):
        return True
    # `app.env.production`, `deploy/app.env.sample`: `*.env` with an environment or template after it
    # (not `webpack.env.js`, which is code).
    _, found, after = name.partition(".env.")
    return bool(found) and _env_word(after.split(".")[0])


def _env_word(word: str) -> bool:
    """An environment (`production`) or a template word (`sample`): what follows `env.` in a dotenv name."""
    return word in _ENVIRONMENTS or word in _TEMPLATE_WORDS


def is_dotenv(path: str) -> bool:
    """A dotenv file by its base name, templates included."""
    return is_dotenv_name(_name(path))


def is_dotenv_template(path: str) -> bool:
    """`.env.example`, `example.env`, `app.sample.env`, `env.dist`: a dotenv file named as a template."""
    name = _name(path)
    return is_dotenv_name(name) and _has_template_word(name)
