"""The parsed-rules cache is checked, never trusted: a tampered or empty cache cannot switch the gate off."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate.commands._options import Options
from credgate.engine import rules
from credgate.errors import InternalError
from tests.conftest import Repo, secret


def _cache(tmp_path: Path) -> Path:
    [cache] = list(tmp_path.glob("rules-*.bin"))
    return cache


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("a valid cache must be served without parsing")

    monkeypatch.setattr(rules, "parse_rule", fail)


def test_an_intact_cache_is_served_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = rules.load(cache_dir=str(tmp_path))
    _no_parsing(monkeypatch)
    assert rules.load(cache_dir=str(tmp_path)).rules == first.rules


@pytest.mark.parametrize(
    "tamper",
    [
        lambda blob: b"[]",  # the reported attack
        lambda blob: blob.split(b"\n", 1)[0] + b"\n[]",  # a valid header over an empty payload
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: blob.replace(b'"ghp_"', b'"zzz_"', 1),  # one keyword changed: the digest no longer holds
        lambda blob: b"",
    ],
)
def test_a_tampered_cache_is_rebuilt_from_the_rule_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: object
) -> None:
    first = rules.load(cache_dir=str(tmp_path))
    cache = _cache(tmp_path)
    cache.write_bytes(tamper(cache.read_bytes()))  # type: ignore[operator]
    again = rules.load(cache_dir=str(tmp_path))
    assert again.rules == first.rules and len(again) > 100
    # The rebuilt cache is whole again, and served.
    _no_parsing(monkeypatch)
    assert rules.load(cache_dir=str(tmp_path)).rules == first.rules


def test_a_self_consistent_cache_that_drops_rules_is_not_believed(tmp_path: Path) -> None:
    """Someone who can write the cache can recompute its digest; the rule count comes from the rule files."""
    first = rules.load(cache_dir=str(tmp_path))
    cache = _cache(tmp_path)
    import marshal

    from credgate.engine import rules_cache

    header, rest = cache.read_bytes().split(b"\n", 1)
    fmt, _, size_text, _ = header.split(b" ")
    sources, payload = rest[: int(size_text)], rest[int(size_text) :]
    docs = [d for d in marshal.loads(payload) if d[0] != "github-pat"]
    forged = marshal.dumps(tuple(docs))
    digest = rules_cache.payload_digest(forged).encode()
    cache.write_bytes(b" ".join([fmt, str(len(docs)).encode(), size_text, digest]) + b"\n" + sources + forged)
    loaded = rules.load(cache_dir=str(tmp_path))
    assert "github-pat" in loaded.by_id and len(loaded) == len(first)


def test_editing_a_rule_file_without_changing_its_size_or_mtime_misses_the_cache(tmp_path: Path) -> None:
    import os

    extra = tmp_path / "extra.toml"
    body = (
        '[[rule]]\nid = "acme-token"\nname = "Acme token"\nkeywords = ["acme_"]\n'
        "regex = '''(?P<secret>acme_[a-z0-9]{16})'''\nhint = \"Revoke it.\"\n"
    )
    extra.write_text(body)
    stamp = os.stat(extra)
    cache_dir = tmp_path / "cache"
    assert "acme-token" in rules.load([str(extra)], str(cache_dir)).by_id
    extra.write_text(body.replace("acme-token", "acme-tokex"))  # same size
    os.utime(extra, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert "acme-tokex" in rules.load([str(extra)], str(cache_dir)).by_id


def test_an_empty_rule_set_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "rules"
    empty.mkdir()
    (empty / "none.toml").write_text("# no rules here\n")
    monkeypatch.setattr(rules, "builtin_files", lambda: [str(empty / "none.toml")])
    with pytest.raises(InternalError, match="no rules"):
        rules.load(cache_dir=str(tmp_path / "cache"))


def test_cli_with_an_emptied_cache_still_blocks(repo: Repo, isolated_env: Path) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("config.py", f"TOKEN = '{token}'\n")
    cli = [sys.executable, "-m", "credgate", "secrets"]
    first = subprocess.run(cli, capture_output=True, text=True)
    assert first.returncode == 1, first.stdout + first.stderr
    caches = list((isolated_env / "credgate-cache").glob("rules-*.bin"))
    assert caches
    for cache in caches:
        cache.write_text("[]")
    again = subprocess.run(cli, capture_output=True, text=True)
    assert again.returncode == 1 and "github-pat" in again.stdout


def test_disabling_every_rule_is_a_config_error(repo: Repo) -> None:
    from credgate.commands import secrets
    from credgate.errors import UsageError

    ids = [r.id for r in rules.load().rules]
    repo.write(".credgate.toml", "disable-rules = [" + ", ".join(json.dumps(i) for i in ids) + "]\n")
    repo.stage("a.py", "x = 1\n")
    with pytest.raises(UsageError, match="no rule"):
        secrets.run(opts=Options(out=io.StringIO(), err=io.StringIO()))


def test_cache_key_digest_is_sha256() -> None:
    import hashlib

    from credgate.engine import rules_cache

    data = b"credgate-cache-key"
    assert rules_cache.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_cache_key_changes_with_the_parsing_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from credgate.engine import rules_cache

    code = tmp_path / "rules.py"
    code.write_bytes(Path(rules.__file__).read_bytes())
    monkeypatch.setattr(rules, "__file__", str(code))
    sources = rules_cache.read_sources(rules.builtin_files())
    before = rules_cache.cache_key(sources)
    code.write_bytes(code.read_bytes() + b"# a parsing change\n")
    assert rules_cache.cache_key(sources) != before


def test_a_parsing_change_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache compares the bytes it was built from, the parsing code's included, with today's."""
    code = tmp_path / "rules.py"
    code.write_bytes(Path(rules.__file__).read_bytes())
    monkeypatch.setattr(rules, "__file__", str(code))
    first = rules.load(cache_dir=str(tmp_path / "cache"))
    code.write_bytes(code.read_bytes() + b"# a parsing change\n")
    calls: list[str] = []
    real = rules.parse_rule

    def counting(raw: dict[str, object], origin: str) -> rules.Rule:
        calls.append(origin)
        return real(raw, origin)

    monkeypatch.setattr(rules, "parse_rule", counting)
    assert rules.load(cache_dir=str(tmp_path / "cache")).rules == first.rules
    assert calls  # parsed again, not served from the old cache
