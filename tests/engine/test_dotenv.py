"""One definition of "dotenv file" for the credential-file gate and the secret scanner (issue 18, item 10)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from credgate import policy
from credgate.engine import dotenv
from credgate.engine.rules import load
from tests.conftest import Repo, secret

ENV_RULES = [r for r in load().rules if set(r.files) & {".env", ".env.*", "*.env"}]


def test_the_env_rules_use_the_same_globs() -> None:
    assert ENV_RULES, "the dotenv rules were not found"
    for rule in ENV_RULES:
        assert set(rule.files) == set(dotenv.DOTENV_GLOBS), rule.id


@given(
    st.lists(
        st.sampled_from(["", ".", "env", "ENV", "prod", "example", "x", "/", "rc", "-"]), max_size=6
    ).map("".join)
)
def test_scanner_and_files_gate_agree_on_every_name(name: str) -> None:
    path = f"config/{name}"
    for rule in ENV_RULES:
        assert rule.applies_to(path) == dotenv.is_dotenv(path), path
    # The files gate: a dotenv file that is not a template.
    assert policy.is_env_file(path) == (dotenv.is_dotenv(path) and not dotenv.is_dotenv_template(path))


def test_names() -> None:
    for name in (".env", ".env.production", "prod.env", "config/secrets.env", ".prod.env", ".ENV.Local"):
        assert dotenv.is_dotenv(name) and policy.is_env_file(name), name
    for name in (".env.example", "example.env", "app.sample.env", ".env.TEMPLATE", "dist.env"):
        assert dotenv.is_dotenv(name) and dotenv.is_dotenv_template(name) and not policy.is_env_file(name)
    for name in (".envrc", "env", "environment.py", "venv/bin/python", ".env/bin/python", "readme.envx"):
        assert not policy.is_env_file(name), name


def test_files_and_secrets_both_block_a_dotenv_file_named_for_its_environment(repo: Repo) -> None:
    for path in ("prod.env", "config/secrets.env"):
        repo.stage(path, f"SESSION_SECRET={secret('%%rand:alnum:40%%')}\n")
        for command in ("files", "secrets"):
            proc = subprocess.run(
                [sys.executable, "-m", "credgate", command], cwd=repo.path, capture_output=True, text=True
            )
            assert proc.returncode == 1, (path, command, proc.stdout, proc.stderr)
            assert path in proc.stdout
        repo.git("rm", "-q", "--cached", path)
    # A template of the same kind passes the files gate, its placeholders pass the scanner.
    repo.stage("config/example.env", "SESSION_SECRET=changeme\n")
    for command in ("files", "secrets"):
        proc = subprocess.run([sys.executable, "-m", "credgate", command], cwd=repo.path, capture_output=True)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
