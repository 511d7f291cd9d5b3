"""What a dotenv file is, by name: the one definition every gate uses.

The credential-file gate (`credgate files`, through `credgate.policy`), the env-specific rules
(`files = [".env", ".env.*", "*.env"]` in rules/generic.toml) and the filters that treat a value in
an env file as deployed all ask this module, so `prod.env` or `config/secrets.env` cannot be a
dotenv file to one gate and an ordinary file to another.

A dotenv file: a base name (compared case-insensitively) that is `.env`, starts with `.env.`
(`.env.production`) or ends with `.env` (`prod.env`, `.prod.env`). A template is one whose
environment part is a template word (`.env.example`, `example.env`, `app.sample.env`): committed on
purpose, its values are still scanned.
"""

from __future__ import annotations

# The same globs as the env rules' `files` (tests/engine/test_dotenv.py keeps them equal).
DOTENV_GLOBS = (".env", ".env.*", "*.env")
TEMPLATE_WORDS = frozenset({"example", "sample", "template", "dist", "defaults"})


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()


def is_dotenv(path: str) -> bool:
    """A dotenv file by its base name, templates included."""
    name = _name(path)
    return name == ".env" or name.startswith(".env.") or (name.endswith(".env") and len(name) > 4)


def is_dotenv_template(path: str) -> bool:
    """`.env.example`, `example.env`, `app.sample.env`: a dotenv file named as a template."""
    name = _name(path)
    if name.startswith(".env."):
        return name[len(".env.") :] in TEMPLATE_WORDS
    if name.endswith(".env") and len(name) > 4:
        return name[: -len(".env")].rstrip(".").rsplit(".", 1)[-1] in TEMPLATE_WORDS
    return False
