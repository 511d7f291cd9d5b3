"""The prefilter's two backends give the same findings; Hyperscan's rule database never rules out a match."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from credgate.engine import prefilter
from credgate.engine.check import example_path, example_text
from credgate.engine.rules import RuleSet, load
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from tests.conftest import aws_pair, secret, token

hyperscan = pytest.importorskip("hyperscan", reason="no hyperscan wheel on this platform: RE2 alone")

# Text around an example that makes it non-ASCII (UTF-8 database) or not UTF-8 at all (never narrowed).
WRAPS = (
    ("", ""),
    ("# caf\u00e9 \u4e2d\u6587\n", "\n# \u212a \u017f\n"),
    ("x = '\u00fc' ; ", " # \u00e9t\u00e9"),
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("prefilter-cache"))


def _ruleset(mode: str, cache: str, monkeypatch: pytest.MonkeyPatch) -> RuleSet:
    monkeypatch.setenv(prefilter.ENV, mode)
    return load(cache_dir=cache)


def _examples(ruleset: RuleSet) -> list[tuple[str, str, str]]:
    """(rule id, path, text) of every example and negative example of every regex rule."""
    out = []
    for rule in ruleset.rules:
        if rule.detector:
            continue
        for kind, templates in (("example", rule.examples), ("negative", rule.negative_examples)):
            for i, template in enumerate(templates):
                out.append((rule.id, example_path(rule.files), example_text(rule.id, kind, i, template)))
    return out


def test_the_rule_database_never_rules_out_a_match_of_re2(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every text on which RE2 finds a rule's match, ASCII or UTF-8, is one the prefilter lets it run on."""
    ruleset = _ruleset("hyperscan", cache, monkeypatch)
    pre = ruleset.prefilter()
    checked = 0
    for rule_id, _, text in _examples(ruleset):
        rule = ruleset.by_id[rule_id]
        for head, tail in WRAPS:
            data = (head + text + tail).encode()
            if rule.compiled.search(data) is None:
                continue
            possible = pre.possible(data)
            assert possible is not None and rule_id in possible, (rule_id, head)
            checked += 1
    assert checked > 1000 and pre.backend == "hyperscan"


def test_the_rule_database_rules_out_rules_that_cannot_match(
    cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pre = _ruleset("hyperscan", cache, monkeypatch).prefilter()
    possible = pre.possible(b"def add(a, b):\n    return a + b\n")
    assert possible is not None and "github-pat" not in possible
    assert "github-pat" in (pre.possible(f"t = '{secret('%%github:ghp_%%')}'\n".encode()) or ())
    assert pre.possible(b"latin-1 \xe9t\xe9 password = 'x'") is None  # not UTF-8: never narrowed


def _corpus(ruleset: RuleSet) -> list[tuple[str, bytes]]:
    """Files of examples, synthetic secrets and decoys, in ASCII, UTF-8 and Latin-1."""
    files: list[tuple[str, bytes]] = []
    by_path: dict[str, list[str]] = {}
    for _, path, text in _examples(ruleset):
        by_path.setdefault(path, []).append(text)
    for path, texts in sorted(by_path.items()):
        for n, (head, tail) in enumerate(WRAPS):
            files.append((f"{n}/{path}", (head + "\n".join(texts) + tail).encode()))
    key_id, key = aws_pair()
    planted = (
        f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={key}\n"
        f"token = '{secret('%%github:ghp_%%')}'\npassword = \"{token(20)}\"\n"
        f"npm = '{secret('%%npm%%')}'\n"
    )
    files.append(("app/settings.py", planted.encode()))
    files.append(("app/settings_utf8.py", ("# r\u00e9glages\n" + planted).encode()))
    files.append(("app/settings_latin1.py", ("# r\u00e9glages\n" + planted).encode("latin-1")))
    return files


def _findings(scanner: Scanner, files: list[tuple[str, bytes]]) -> list[object]:
    out: list[object] = []
    for path, data in files:
        result = scanner.scan(data, path)
        out.append((path, result.kind, result.findings, sorted(result.suppressed)))
    return out


def test_both_backends_give_identical_findings(cache: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fallback = _ruleset("re2", cache, monkeypatch)
    files = _corpus(fallback)
    before = _findings(Scanner(fallback), files)
    fast = _ruleset("hyperscan", cache, monkeypatch)
    after = _findings(Scanner(fast), files)
    assert fallback.prefilter().backend == "re2" and fast.prefilter().backend == "hyperscan"
    assert after == before
    assert sum(len(f[2]) for f in before) > 500  # type: ignore[index,arg-type]


def test_auto_stays_on_re2_for_a_small_scan(cache: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ruleset = _ruleset("auto", cache, monkeypatch)
    Scanner(ruleset).scan(f"t = '{secret('%%github:ghp_%%')}'\n".encode(), "a.py")
    assert ruleset.prefilter().backend == "re2"


def test_a_cached_database_is_loaded_not_compiled(cache: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _ruleset("hyperscan", cache, monkeypatch).prefilter().possible(b"x = 1\n")  # built (or already cached)

    def no_compile(*args: object) -> list[int]:
        raise AssertionError("a cached database must be loaded")

    monkeypatch.setattr(prefilter, "_compilable", no_compile)
    monkeypatch.setattr(prefilter, "_BUILT", {})  # not this process's memory: the file
    assert _ruleset("hyperscan", cache, monkeypatch).prefilter().possible(b"x = 1\n") is not None


def test_a_damaged_database_cache_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefilter.ENV, "hyperscan")
    pre = prefilter.Prefilter([b"ghp_"], [("github-pat", r"(?P<secret>ghp_[A-Za-z0-9]{36})")], str(tmp_path))
    data = f"t = '{secret('%%github:ghp_%%')}'\n".encode()
    assert pre.possible(data) == {"github-pat"}
    [db_file] = tmp_path.glob("prefilter-rules-*.hs")
    db_file.write_bytes(db_file.read_bytes()[:-100])
    monkeypatch.setattr(prefilter, "_BUILT", {})
    again = prefilter.Prefilter(
        [b"ghp_"], [("github-pat", r"(?P<secret>ghp_[A-Za-z0-9]{36})")], str(tmp_path)
    )
    assert again.possible(data) == {"github-pat"} and again.possible(b"nothing") == frozenset()


def test_a_regex_hyperscan_rejects_is_never_ruled_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(prefilter.ENV, "hyperscan")
    # RE2's ungreedy flag (?U) is syntax Hyperscan does not take: that rule always runs.
    pre = prefilter.Prefilter(
        [b"a"], [("ok", "(?P<secret>abc)"), ("odd", r"(?U)(?P<secret>a+xyz)")], str(tmp_path)
    )
    assert pre.possible(b"nothing here") == {"odd"}
    assert pre.possible(b"abc") == {"ok", "odd"}


@pytest.mark.parametrize(
    ("pattern", "widened"),
    [
        (r"a{3}b{2,5}c{0,4}d{1,}", "a+b+c*d+"),
        (r"[{]{3}\{2}", r"[{]+\{2}"),  # a brace in a class or escaped is a literal
        (r"[^]{1,2}]x{2}", r"[^]{1,2}]x+"),  # a leading ']' is a class member
        (r"[[:alpha:]{]{4,}", r"[[:alpha:]{]+"),
        (r"\Qa{3}\E", r"\Qa{3}\E"),  # quoted text is left alone
        (r"x{,3}", r"x{,3}"),  # not a counted repeat in RE2: a literal
    ],
)
def test_widen_opens_counted_repeats_only(pattern: str, widened: str) -> None:
    assert prefilter.widen(pattern) == widened


def test_an_unknown_backend_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(prefilter.ENV, "fast")
    with pytest.raises(UsageError, match="CREDGATE_PREFILTER"):
        prefilter.mode()
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    env = {"CREDGATE_PREFILTER": "fast", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "credgate", "scan", "--no-git", str(target)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 2 and "CREDGATE_PREFILTER" in run.stderr and "Traceback" not in run.stderr


def test_a_database_known_in_memory_is_kept_in_every_cache_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(prefilter.ENV, "hyperscan")
    patterns = [("github-pat", r"(?P<secret>ghp_[A-Za-z0-9]{36})")]
    prefilter.Prefilter([b"ghp_"], patterns, str(tmp_path / "a")).possible(b"x")
    prefilter.Prefilter([b"ghp_"], patterns, str(tmp_path / "b")).possible(b"x")  # served from memory
    assert list((tmp_path / "b").glob("prefilter-rules-*.hs"))
