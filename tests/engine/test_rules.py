from __future__ import annotations

from pathlib import Path

import pytest

from credgate.engine import rules
from credgate.engine.check import check
from credgate.engine.rules import RuleError, RuleSet, load_file

GOOD = """
[[rule]]
id = "acme-token"
name = "Acme token"
keywords = ["acme_"]
regex = 'acme_(?P<secret>[a-z0-9]{16})'
hint = "Revoke it in the Acme console."
references = ["https://acme.invalid/docs/tokens"]
examples = ["t = acme_%%rand:alnumlower:16%%"]
negative_examples = ["t = acme_short"]
"""


def write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "custom.toml"
    p.write_text(text)
    return str(p)


def test_builtin_rules_pass_their_own_check() -> None:
    ruleset = rules.load()
    assert len(ruleset) >= 40
    assert check(ruleset) == []


def test_builtin_rule_set_covers_the_issue_providers() -> None:
    ids = set(rules.load().by_id)
    for prefix in (
        "aws-",
        "github-",
        "gitlab-",
        "slack-",
        "stripe-",
        "openai-",
        "anthropic-",
        "google-",
        "private-key",
        "npm-",
        "pypi-",
        "twilio-",
        "sendgrid-",
        "jwt",
        "database-url",
        "generic-",
    ):
        assert any(i.startswith(prefix) for i in ids), prefix


def test_custom_rule_file_loads_and_checks(tmp_path: Path) -> None:
    ruleset = RuleSet(load_file(write(tmp_path, GOOD)))
    assert check(ruleset) == []


def test_check_reports_a_rule_that_misses_its_example(tmp_path: Path) -> None:
    bad = GOOD.replace("[a-z0-9]{16}", "[a-z0-9]{17}")
    problems = check(RuleSet(load_file(write(tmp_path, bad))))
    assert [p.message for p in problems] == ["example #1 is not found by the rule"]


def test_check_reports_a_rule_that_hits_its_negative(tmp_path: Path) -> None:
    bad = GOOD.replace(
        'negative_examples = ["t = acme_short"]', 'negative_examples = ["acme_%%rand:digit:16%%"]'
    )
    problems = check(RuleSet(load_file(write(tmp_path, bad))))
    assert [p.message for p in problems] == ["negative example #1 is matched by the rule"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "acme-token"', 'id = "Acme_Token"'), "kebab-case"),
        (('keywords = ["acme_"]', "keywords = []"), "keywords"),
        (('hint = "Revoke it in the Acme console."', ""), "'hint' is required"),
        (('name = "Acme token"', 'name = "Acme token"\ncolour = "red"'), "unknown key"),
        (('name = "Acme token"', 'name = "Acme token"\nin_tests = "maybe"'), "in_tests must be one of"),
        (('name = "Acme token"', 'name = "Acme token"\nfiles = ".env"'), "files must be a list"),
    ],
)
def test_malformed_rules_are_rejected_with_the_reason(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(RuleError, match=message):
        load_file(write(tmp_path, GOOD.replace(*change)))


def test_regex_without_secret_group_or_not_re2_is_reported(tmp_path: Path) -> None:
    no_group = GOOD.replace("(?P<secret>[a-z0-9]{16})", "[a-z0-9]{16}")
    assert "named group" in check(RuleSet(load_file(write(tmp_path, no_group))))[0].message
    lookahead = GOOD.replace("(?P<secret>[a-z0-9]{16})", "(?P<secret>(?=x)[a-z0-9]{16})")
    assert "RE2" in check(RuleSet(load_file(write(tmp_path, lookahead))))[0].message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="custom.toml: not valid TOML"):
        load_file(write(tmp_path, "[[rule]\nid="))


def test_rule_ids_are_unique_across_files(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="duplicate rule id"):
        RuleSet(load_file(write(tmp_path, GOOD)) + load_file(write(tmp_path, GOOD)))


def test_prefilter_selects_rules_by_keyword() -> None:
    ruleset = rules.load()
    assert ruleset.candidates(b"nothing to see here") == []
    ids = [r.id for r in ruleset.candidates(b"x = ghp_abc")]
    # The dotenv rule's keyword is "=", the .pgpass rule's ":": both are narrowed by file name (`files`).
    assert ids == ["env-file-generated-value", "github-pat"]
    assert [r.id for r in ruleset.candidates(b"x: ghp_abc")] == ["github-pat", "pgpass-password"]
    assert not ruleset.by_id["pgpass-password"].applies_to("src/app.py")


def test_cache_round_trip_gives_the_same_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = rules.load(cache_dir=str(tmp_path))
    [cache] = list(tmp_path.glob("rules-*.bin"))

    def no_parsing(*args: object) -> None:
        raise AssertionError("a cache hit must not parse the rule files again")

    monkeypatch.setattr(rules, "parse_rule", no_parsing)
    second = rules.load(cache_dir=str(tmp_path))
    assert first.rules == second.rules  # every public field, keywords, near pairs and file globs included
    assert any(r.near for r in second.rules) and any(r.files for r in second.rules)
    # A damaged cache is read as a miss: the files are parsed again.
    cache.write_text('[{"id": 1}]')
    monkeypatch.undo()
    assert rules.load(cache_dir=str(tmp_path)).rules == first.rules


def test_keyword_automaton_finds_exactly_what_substring_search_finds() -> None:
    """Overlapping and nested keywords included: the prefilter must never drop a rule."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    ruleset = rules.load()
    keywords = sorted({k for r in ruleset.rules for k in r.keywords})
    pieces = st.sampled_from(keywords) | st.binary(max_size=6)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(pieces, max_size=12))
    def check(parts: list[bytes]) -> None:
        # Joined without separators, keywords overlap and nest at the seams.
        text = b"".join(parts).lower()
        assert ruleset.keywords_in(text) == {k for k in keywords if k in text}

    check()


def test_a_rule_limited_to_some_files_is_checked_on_such_a_file(tmp_path: Path) -> None:
    text = GOOD.replace('name = "Acme token"', 'name = "Acme token"\nfiles = ["*.acme"]')
    rules = load_file(write(tmp_path, text))
    assert check(RuleSet(rules)) == []
    from credgate.engine.scanner import Scanner
    from credgate.engine.synth import expand

    line = expand("t = acme_%%rand:alnumlower:16%%", "seed").encode()
    assert Scanner(RuleSet(rules)).scan(line, "conf/prod.ACME").findings != []
    assert Scanner(RuleSet(rules)).scan(line, "conf/prod.txt").findings == []
