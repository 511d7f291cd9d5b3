"""The pure `.gitignore` evaluator: unit cases, and a property test against `git check-ignore`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credgate import gitio, ignore, wildmatch
from credgate.gitio import IgnoreSource
from credgate.ignore import Coverage, Matcher, ProbeResult, Rule, coverage
from credgate.policy import DEFAULT_PROTECTED, Protected, protected_list
from tests.conftest import Repo


def gi(base: str, *lines: str) -> IgnoreSource:
    return IgnoreSource("gitignore", f"{base}/.gitignore" if base else ".gitignore", base, lines)


def info(*lines: str) -> IgnoreSource:
    return IgnoreSource("info/exclude", "/r/.git/info/exclude", "", lines)


def personal(*lines: str) -> IgnoreSource:
    return IgnoreSource("core.excludesFile", "/home/u/.config/git/ignore", "", lines)


def decided(m: Matcher, path: str, is_dir: bool = False) -> tuple[bool, str | None]:
    v = m.check(path, is_dir)
    return v.ignored, (str(v.rule) if v.rule else None)


# ---------------------------------------------------------------- unit cases


def test_incident_env_star_missing() -> None:
    m = Matcher([gi("", ".env", ".env.local")])
    assert m.is_ignored(".env") and m.is_ignored("app/.env.local")
    assert decided(m, ".env.master") == (False, None)


def test_last_matching_line_wins_within_a_file() -> None:
    m = Matcher([gi("", ".env.*", "!.env.production", "!.env.example")])
    assert decided(m, ".env.production") == (False, ".gitignore:2: !.env.production")
    assert decided(m, ".env.staging") == (True, ".gitignore:1: .env.*")
    m = Matcher([gi("", "!.env.production", ".env.*")])
    assert decided(m, ".env.production") == (True, ".gitignore:2: .env.*")


def test_deeper_gitignore_beats_shallower_and_only_applies_below_it() -> None:
    m = Matcher([gi("", ".env.*"), gi("svc", "!.env.local"), gi("svc/api", ".env.local")])
    assert decided(m, "svc/.env.local") == (False, "svc/.gitignore:1: !.env.local")
    assert decided(m, "svc/x/.env.local") == (False, "svc/.gitignore:1: !.env.local")
    assert decided(m, "svc/api/.env.local") == (True, "svc/api/.gitignore:1: .env.local")
    assert decided(m, "other/.env.local") == (True, ".gitignore:1: .env.*")
    assert decided(m, "svcx/.env.local") == (True, ".gitignore:1: .env.*")  # a sibling, not below svc/


def test_precedence_does_not_depend_on_the_order_sources_are_given() -> None:
    sources = [gi("", ".env"), gi("a", "!.env"), info(".env"), personal("!.env")]
    for order in (sources, sources[::-1]):
        m = Matcher(order)
        assert decided(m, "a/.env") == (False, "a/.gitignore:1: !.env")
        assert decided(m, ".env") == (True, ".gitignore:1: .env")


def test_gitignore_beats_info_exclude_which_beats_core_excludes_file() -> None:
    m = Matcher([personal("*.pem", "!id_rsa"), info("!*.pem", "id_rsa"), gi("", "!server.pem")])
    assert decided(m, "server.pem") == (False, ".gitignore:1: !server.pem")
    assert decided(m, "client.pem") == (False, "/r/.git/info/exclude:1: !*.pem")
    assert decided(m, "id_rsa") == (True, "/r/.git/info/exclude:2: id_rsa")
    m = Matcher([personal("*.pem")])
    assert decided(m, "a/b/c.pem") == (True, "/home/u/.config/git/ignore:1: *.pem")


def test_parent_directory_exclusion_cannot_be_undone() -> None:
    m = Matcher([gi("", "secrets/", "!secrets/.env.example", "!.env.example")])
    assert decided(m, "secrets/.env.example") == (True, ".gitignore:1: secrets/")
    assert decided(m, "x/secrets/deep/file") == (True, ".gitignore:1: secrets/")
    # The usual idiom: exclude the contents, not the directory, then re-include.
    m = Matcher([gi("", "secrets/*", "!secrets/.env.example")])
    assert not m.is_ignored("secrets/.env.example")
    assert m.is_ignored("secrets/.env")


def test_a_gitignore_inside_an_excluded_directory_is_not_consulted() -> None:
    m = Matcher([gi("", "vendor/"), gi("vendor", "!.env")])
    assert decided(m, "vendor/.env") == (True, ".gitignore:1: vendor/")


def test_directory_only_patterns() -> None:
    m = Matcher([gi("", "build/", ".env/")])
    assert not m.is_ignored("build") and m.is_ignored("build", is_dir=True)
    assert m.is_ignored("build/", is_dir=False)  # a trailing slash says "directory" too
    assert m.is_ignored("a/build/out.o")
    assert not m.is_ignored(".env")  # a file named .env is not a directory


def test_slash_anchors_to_the_directory_of_the_file() -> None:
    m = Matcher([gi("", "/.env", "config/.env.local"), gi("svc", "/.env.prod", "conf/x.key")])
    assert m.is_ignored(".env") and not m.is_ignored("app/.env")
    assert m.is_ignored("config/.env.local") and not m.is_ignored("app/config/.env.local")
    assert m.is_ignored("svc/.env.prod") and not m.is_ignored("svc/a/.env.prod")
    assert not m.is_ignored(".env.prod")
    assert m.is_ignored("svc/conf/x.key") and not m.is_ignored("conf/x.key")


def test_double_star() -> None:
    m = Matcher([gi("", "**/keys/*.pem", "a/**/b", "logs/**", "x**y")])
    assert m.is_ignored("keys/k.pem") and m.is_ignored("p/q/keys/k.pem")
    assert not m.is_ignored("keys/sub/k.pem")
    assert m.is_ignored("a/b") and m.is_ignored("a/1/2/b") and not m.is_ignored("z/a/b")
    assert m.is_ignored("logs/x") and m.is_ignored("logs/x/y") and not m.is_ignored("logs")
    assert m.is_ignored("xzzy") and not m.is_ignored("x/y")  # `**` not between slashes is `*`


def test_a_rule_matching_a_leading_directory_does_not_decide_at_the_file_level() -> None:
    # `!sub/a` keeps the directory sub/a, but says nothing about sub/a/b: `b` still ignores it.
    m = Matcher([gi("", "b", "!sub/a")])
    assert decided(m, "sub/a/b") == (True, ".gitignore:1: b")
    m = Matcher([gi("", "/.env", "!.env/")])
    assert decided(m, ".env/.env") == (False, None)  # `/.env` is the root .env only, not inside it


def test_comments_blank_lines_escapes_and_trailing_spaces() -> None:
    m = Matcher([gi("", "# .env", "", "   ", "\\#hash", "\\!bang", ".env.local   ", "keep\\ ", "tab\t", "!")])
    assert not m.is_ignored("# .env") and not m.is_ignored(".env")
    assert m.is_ignored("#hash") and m.is_ignored("!bang")
    assert decided(m, ".env.local") == (True, ".gitignore:6: .env.local")
    assert m.is_ignored("keep ") and not m.is_ignored("keep")
    assert m.is_ignored("tab\t") and not m.is_ignored("tab")  # only spaces are trimmed
    m = Matcher([gi("", "voilà", "nbsp\xa0")])  # "à" ends in byte 0xA0, which Python calls whitespace
    assert m.is_ignored("voilà") and not m.is_ignored("voil\xc3")
    assert m.is_ignored("nbsp\xa0") and not m.is_ignored("nbsp")
    assert not m.is_ignored("anything")


def test_crlf_bom_and_unmatchable_lines() -> None:
    m = Matcher([gi("", "\ufeff.env\r", "*.pem\r", "bad\\", "[unclosed")])
    assert decided(m, ".env") == (True, ".gitignore:1: .env")
    assert m.is_ignored("a.pem")
    assert not m.is_ignored("bad\\") and not m.is_ignored("bad") and not m.is_ignored("[unclosed")


def test_wildcards_match_bytes_like_git() -> None:
    m = Matcher([gi("", ".env.?", "caf\udce9")])  # a Latin-1 byte that is not UTF-8
    assert m.is_ignored(".env.x")
    assert not m.is_ignored(".env.é")  # two bytes in UTF-8: `?` is one byte for git
    assert m.is_ignored("caf\udce9")


def test_coverage_reports_uncovered_negated_and_personal_only() -> None:
    sources = [gi("", ".env", "*.pem"), gi("svc", "!.env"), info(".env.*")]
    items = [p for p in DEFAULT_PROTECTED if p.pattern in (".env", ".env.*", "*.pem", "id_rsa")]
    cov = coverage(sources, items, ["", "credgate-probe/deeper", "svc", "svc/credgate-probe"])
    by = {(r.pattern, r.probe): r for r in cov.results}
    assert by[(".env", ".env")].ignored
    assert by[(".env", "svc/.env")].decided_by == Rule("gitignore", "svc/.gitignore", 1, "!.env", True)
    assert {r.probe for r in cov.uncovered if r.pattern == ".env"} == {"svc/.env", "svc/credgate-probe/.env"}
    env_star = [r for r in cov.results if r.pattern == ".env.*"]
    assert env_star and all(r.ignored and r.personal_only for r in env_star)
    assert {r.pattern for r in cov.personal_only} == {".env.*"}
    assert cov.failing_patterns() == [".env", ".env.*", "id_rsa"]
    assert not cov.covered
    assert all(r.ignored for r in cov.results if r.pattern == "*.pem")


def test_personal_rule_excluding_a_directory_does_not_hide_repository_coverage() -> None:
    # The personal rule decides (it excludes the parent), but the .gitignore covers a fresh clone.
    sources = [gi("", ".env"), personal("svc/")]
    cov = coverage(sources, [DEFAULT_PROTECTED[0]], ["svc"])
    (result,) = cov.results
    assert result.decided_by is not None and result.decided_by.source_kind == "core.excludesFile"
    assert result.repo_ignored and not result.personal_only and cov.covered


def test_templates_are_never_probes_and_anchored_patterns_probe_the_root_only() -> None:
    custom = Protected(".env*", "env", "test", (".env.example", ".env.local"))
    anchored = Protected("config/master.key", "custom", "test", ("config/master.key",))
    dir_pattern = Protected("secrets/", "custom", "test", ("secrets",))
    cov = coverage([gi("", ".env*", "/config/master.key", "secrets/")], [custom, anchored, dir_pattern],
                   ["", "deep/er"])  # fmt: skip
    assert [r.probe for r in cov.results] == [
        ".env.local", "deep/er/.env.local", "config/master.key", "secrets/", "deep/er/secrets/"
    ]  # fmt: skip
    assert cov.covered


def test_probe_result_without_repo_verdict_falls_back_to_the_rule_kind() -> None:
    rule = Rule("info/exclude", "/r/.git/info/exclude", 3, ".env", False)
    assert ProbeResult(".env", ".env", True, rule).personal_only
    assert not ProbeResult(
        ".env", ".env", True, Rule("gitignore", ".gitignore", 1, ".env", False)
    ).personal_only
    assert Coverage([ProbeResult(".env", ".env", False, None)]).uncovered


def test_against_real_sources_from_gitio(repo: Repo, tmp_path: Path) -> None:
    excludes = tmp_path / "global-ignore"
    excludes.write_text("*.kdbx\n")
    repo.git("config", "core.excludesFile", str(excludes))
    repo.write(".gitignore", ".env\n.env.*\n!.env.example\n")
    repo.write("svc/.gitignore", "!.env.local\n")
    repo.write(".git/info/exclude", "*.pem\n")
    sources = gitio.ignore_sources(str(repo.path))
    assert [s.kind for s in sources] == ["core.excludesFile", "info/exclude", "gitignore", "gitignore"]
    m = Matcher(sources)
    paths = [".env", "svc/.env.local", "x/.env.example", "k.pem", "v.kdbx", "svc/a/.env.prod", "ok.txt"]
    git = gitio.check_ignore(paths, cwd=str(repo.path))
    mine = {p: m.check(p) for p in paths}
    assert {p: v.ignored for p, v in mine.items()} == {p: v is not None for p, v in git.items()}
    assert str(mine["svc/.env.local"].rule) == "svc/.gitignore:1: !.env.local"
    cov = coverage(sources, protected_list(), ["", "svc"])
    assert {r.pattern for r in cov.personal_only} == {"*.pem", "*.kdbx"}


def test_sources_match_what_git_reads(repo: Repo, tmp_path: Path) -> None:
    # `.*` ignores svc/.gitignore itself, yet git still reads it; git never follows a symlinked one.
    repo.write(".gitignore", ".*\n.env.*\n")
    repo.write("svc/.gitignore", "!.env.local\n")
    outside = tmp_path / "elsewhere"
    outside.write_text("!.env.prod\n")
    (repo.path / "web").mkdir()
    (repo.path / "web" / ".gitignore").symlink_to(outside)
    sources = gitio.ignore_sources(str(repo.path))
    assert [s.path for s in sources if s.kind == "gitignore"] == [".gitignore", "svc/.gitignore"]
    paths = ["svc/.env.local", "web/.env.prod", ".env.prod"]
    git = gitio.check_ignore(paths, cwd=str(repo.path))
    m = Matcher(sources)
    assert {p: m.is_ignored(p) for p in paths} == {p: v is not None for p, v in git.items()}
    assert git["svc/.env.local"] is None and git["web/.env.prod"] is not None


# ---------------------------------------------------------------- property: agree with git itself

# A small core that collides often (so rules interact), plus a wider fringe of realistic spellings.
_CORE = [".env", "a", "b", "sub", "*", "**", ".env.*", "*.pem"]
_SEGMENTS = _CORE + [
    ".env*", "deep", "build", "x.pem", "?.pem", "[ab]", "[!a]", ".env.?????", "\\#x", "\\!y", "#x",
    "id_*", "*.local", "a b", "w\\ ",
    # Bracket expressions as git's wildmatch reads them: POSIX classes, escapes, ranges (reversed too).
    ".env.[[:alpha:]]*", ".env.[a\\-z]*", "[z-a]*", "[[:digit:]]*", "[^a]", "[]a]", "[a-]", "[\\]]",
    "[[:alpha:]-z]", "[[:bogus:]]", "[a", ".env.[!e]*", "[[:upper:]]*", "[[:al]", "foo**", "**x",
]  # fmt: skip
_NAMES = [".env", "a", "b", "sub", "x.pem", ".env.local"] + [
    ".env.production", ".env.example", "deep", "build", "#x", "!y", "id_rsa", "a b", "w ", "file.txt",
    ".env.x", ".env.Production", ".env.-", "]", "A", "x1", "-", ".env.9", "\\", "foox", "[a", ":",
]  # fmt: skip
_DIRS = ["a", "a/b", "sub", "sub/deep", "build", "deep"]  # real directories in the test repo
_NESTED = ["sub", "sub/deep"]  # where nested .gitignore files go
_segment = st.one_of(st.sampled_from(_CORE), st.sampled_from(_SEGMENTS))
_name = st.one_of(st.sampled_from(_NAMES[:6]), st.sampled_from(_NAMES))


@st.composite
def pattern_lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["pattern"] * 8 + ["comment", "blank", "spaces"]))
    if kind == "comment":
        return "# " + draw(_segment)
    if kind == "blank":
        return ""
    if kind == "spaces":
        return "   "
    segments = draw(st.lists(_segment, min_size=1, max_size=3))
    body = "/".join(segments)
    if draw(st.booleans()):
        body = "/" + body
    if draw(st.integers(0, 3)) == 0:
        body += "/"
    if draw(st.integers(0, 3)) == 0:
        body = "!" + body
    return body + draw(st.sampled_from(["", "", "", "  ", " ", "\r"]))


_files = st.lists(pattern_lines(), max_size=6)
_paths = st.lists(
    st.lists(_name, min_size=1, max_size=4).map("/".join),
    min_size=1,
    max_size=12,
    unique=True,
)


def test_evaluator_agrees_with_git_check_ignore(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    for d in _DIRS:
        (top / d).mkdir(parents=True, exist_ok=True)
    excludes = tmp_path / "excludes"
    subprocess.run(["git", "-C", str(top), "config", "core.excludesFile", str(excludes)], check=True)

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(root=_files, nested=st.tuples(_files, _files), exclude=_files, personal=_files, paths=_paths)
    def check(
        root: list[str],
        nested: tuple[list[str], list[str]],
        exclude: list[str],
        personal: list[str],
        paths: list[str],
    ) -> None:
        sources = [
            IgnoreSource("core.excludesFile", str(excludes), "", tuple(personal)),
            IgnoreSource("info/exclude", ".git/info/exclude", "", tuple(exclude)),
            IgnoreSource("gitignore", ".gitignore", "", tuple(root)),
        ]
        sources += [
            IgnoreSource("gitignore", f"{base}/.gitignore", base, tuple(lines))
            for base, lines in zip(_NESTED, nested)
        ]
        for source in sources:
            target = source.path if os.path.isabs(source.path) else top / source.path
            # git splits on "\n" only; lines keep any "\r" for the evaluator to handle as git does.
            Path(target).write_bytes("".join(line + "\n" for line in source.lines).encode())
        git = gitio.check_ignore(paths, cwd=str(top), no_index=True)
        matcher = Matcher(sources)
        for path in paths:
            verdict = matcher.check(path, is_dir=path in _DIRS)
            mine = None
            if verdict.ignored:
                assert verdict.rule is not None
                mine = f"{verdict.rule.source_path}:{verdict.rule.line}:{verdict.rule.pattern}"
            assert mine == git[path], (path, sources)

    check()  # bounded: 150 examples, one `git check-ignore` each (about 2 s)


# Single patterns built from the pieces of bracket expressions, so that classes, escapes, ranges and
# malformed brackets combine in ways no list of cases would think of.
_TOKENS = [
    "a", "e", "z", "Z", "1", "-", ".", "!", "^", ":", "]", "[", "\\", "*", "?", "/", "**",
    "[[:alpha:]]", "[:digit:]", "[[:space:]]", "[[:punct:]]", "[[:upper:]]", "[[:xdigit:]]", "[[:bogus:]]",
    "a-z", "z-a", "\\-", "\\]", "[!", "[^", "[a\\-z]", "[z-a]", "[]", "[!]",
]  # fmt: skip
_LEAVES = [
    "a",
    "e",
    "z",
    "Z",
    "1",
    "-",
    ".",
    "!",
    ":",
    "]",
    "[",
    "\\",
    " ",
    "\t",
    "é",
    "ae",
    "a-",
    "zz",
    "9z",
]


def test_bracket_expressions_agree_with_git_check_ignore(tmp_path: Path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    for d in ("a", "a/e", "z"):
        (top / d).mkdir(parents=True, exist_ok=True)
    names = (
        st.lists(st.sampled_from(_LEAVES), min_size=1, max_size=3)
        .map("".join)
        .filter(lambda n: n not in (".", ".."))
    )  # `.` and `..` are not names git stores

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        lines=st.lists(
            st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=5).map("".join), min_size=1, max_size=3
        ),
        paths=st.lists(
            st.lists(names, min_size=1, max_size=3).map("/".join), min_size=1, max_size=15, unique=True
        ),
    )
    def check(lines: list[str], paths: list[str]) -> None:
        lines = [line for line in lines if not line.endswith("\\")]  # git warns about and drops those
        (top / ".gitignore").write_bytes("".join(line + "\n" for line in lines).encode())
        git = gitio.check_ignore(paths, cwd=str(top), no_index=True)
        matcher = Matcher([gi("", *lines)])
        for path in paths:
            verdict = matcher.check(path, is_dir=path in ("a", "a/e", "z"))
            mine = (
                f".gitignore:{verdict.rule.line}:{verdict.rule.pattern}"
                if verdict.ignored and verdict.rule
                else None
            )
            assert mine == git[path], (path, lines)

    check()


def test_issue_18_class_escape_and_reversed_range_examples() -> None:
    assert not Matcher([gi("", ".env.*", "!.env.[[:alpha:]]*")]).is_ignored(".env.production")
    assert Matcher([gi("", ".env.*", "!.env.[[:digit:]]*")]).is_ignored(".env.production")
    assert not Matcher([gi("", ".env.[a\\-z]*")]).is_ignored(".env.production")  # a, - and z only
    assert Matcher([gi("", ".env.[a\\-z]*")]).is_ignored(".env.-x")
    reversed_range = Matcher([gi("", "build/[z-a]*", ".env*")])  # git accepts it, and it matches nothing
    assert not reversed_range.is_ignored("build/x")
    assert reversed_range.is_ignored(".env.local")


@pytest.mark.parametrize(
    "line, path, is_dir",
    [
        ("**/", "a", True),
        ("*/", "a/b", False),
        ("**/*/**", "a/b", False),
        ("/", "a", True),
        ("a//", "a", True),
        ("!!x", "!x", False),
    ],
)
def test_edge_patterns_agree_with_git(repo: Repo, line: str, path: str, is_dir: bool) -> None:
    repo.write(".gitignore", line + "\n")
    if is_dir:
        (repo.path / path).mkdir(parents=True, exist_ok=True)
    git = gitio.check_ignore([path], cwd=str(repo.path))
    assert Matcher([gi("", line)]).is_ignored(path, is_dir) == (git[path] is not None)


def test_ignore_module_is_pure() -> None:
    for module in (ignore, wildmatch):
        source = Path(module.__file__ or "").read_text()
        for forbidden in ("subprocess", "gitio.run", "print(", "open("):
            assert forbidden not in source, module.__name__
