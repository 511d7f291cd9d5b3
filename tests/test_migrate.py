"""Issue 15 item 4: `credgate init` converts gitleaks' and detect-secrets' files, and says what it could not.

The fixture files are written at test time the way those tools write them: gitleaks' documented config
(`[extend]`, `[allowlist]` with `paths`, `regexes`, `stopwords`), `.gitleaksignore` fingerprints as
`gitleaks detect` prints them (`commit:path:rule:line`, and `path:rule:line` with --no-git), and a
`.secrets.baseline` produced by running the real `detect-secrets scan`.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from credgate import config, migrate
from credgate.commands import init, secrets
from credgate.commands._options import Options
from credgate.engine import linear
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from credgate.errors import UsageError
from tests.commands.test_install_hooks import path_with_credgate
from tests.conftest import Repo, secret

GITLEAKS_TOML = r"""title = "acme gitleaks config"

[extend]
useDefault = true
path = "ci/gitleaks-base.toml"

[allowlist]
description = "global allow list"
paths = [
    '''(^|/)vendor/''',
    '''^tests/fixtures/''',
    '''\.lock$''',
    '''^package-lock\.json$''',
    '''(.*?)(jpg|gif|doc)''',
    '''.*''',
]
regexes = [
    '''^EXAMPLE[A-Z0-9]{8,}$''',
    '''.*''',
]
stopwords = [
    "notasecret",
    "ab",
]
"""

BASE_TOML = r"""[allowlist]
description = "from the platform team"
paths = ['''^docs/''']
commits = ["4a1e8f0c2b9d"]

[[rules]]
id = "acme-internal-token"
regex = '''acme_[a-z0-9]{32}'''
"""


@pytest.fixture(autouse=True)
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_with_credgate(tmp_path))


def scan_json(*args: str) -> dict[str, object]:
    out = io.StringIO()
    opts = Options(fmt="json", out=out, err=io.StringIO())
    secrets.run(opts=opts, **dict(a.split("=") for a in args))  # type: ignore[arg-type]
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def run_init() -> tuple[int, str]:
    out = io.StringIO()
    rc = init.run(hooks="none", ci="none", opts=Options(out=out))
    return rc, out.getvalue()


@pytest.mark.parametrize(
    ("regex", "pattern"),
    [
        (r"(^|/)vendor/", "vendor/"),
        (r"^tests/fixtures/", "/tests/fixtures/"),
        (r"\.lock$", "*.lock"),
        (r"^package-lock\.json$", "/package-lock.json"),
        (r"go\.sum$", "go.sum"),
        (r"(^|/)third_party/generated/", "**/third_party/generated/"),
        (r"^docs/.*", "/docs/"),
        (r"(.*?)(jpg|gif|doc)", None),
        (r"[a-z]+\.min\.js", None),
        (r".*", None),
        (r"^", None),
        (r"a.b", None),  # an unescaped dot is any character
    ],
)
def test_path_regexes_convert_only_when_the_pattern_is_no_wider(regex: str, pattern: str | None) -> None:
    assert migrate.path_regex_to_pattern(regex) == pattern


def test_gitleaks_config_with_extend_is_converted_and_the_rest_listed(repo: Repo) -> None:
    repo.write(".gitleaks.toml", GITLEAKS_TOML)
    repo.write("ci/gitleaks-base.toml", BASE_TOML)
    m = migrate.detect(str(repo.path))
    assert sorted(m.exclude) == sorted(
        ["vendor/", "/tests/fixtures/", "*.lock", "/package-lock.json", "/docs/"]
    )
    assert m.allow_values == ["^EXAMPLE[A-Z0-9]{8,}$", "(?i)notasecret"]
    skipped = "\n".join(m.not_converted)
    for what in ("(.*?)(jpg|gif|doc)", "'.*'", "stopword 'ab'", "allowlist commits", "1 custom [[rules]]"):
        assert what in skipped, what
    assert any("useDefault" in c for c in m.converted)
    # A converted stopword is matched in the value, case-insensitively, as gitleaks does.
    assert linear.compile(b"(?i)notasecret").search(b"xxNOTASECRETyy") is not None


def test_init_writes_the_config_and_the_gate_then_applies_it(repo: Repo) -> None:
    repo.write(".gitleaks.toml", GITLEAKS_TOML)
    repo.write("ci/gitleaks-base.toml", BASE_TOML)
    rc, text = run_init()
    assert rc == 0, text
    assert "wrote .credgate.toml with exclude, allow-values converted from .gitleaks.toml" in text
    assert "not converted: .gitleaks.toml: allowlist path '(.*?)(jpg|gif|doc)'" in text
    cfg = config.load(str(repo.path / ".credgate.toml"))
    assert cfg.is_excluded("vendor/lib/x.py") and cfg.is_excluded("a/b/c.lock")
    assert not cfg.is_excluded("src/vendor.py") and not cfg.is_excluded("app.py")
    token = secret("%%github:ghp_%%")
    repo.stage("vendor/lib/client.py", f"T = '{token}'\n")
    assert scan_json()["findings"] == []
    repo.stage("app.py", f"T = '{token}'\n")
    assert [f["path"] for f in scan_json()["findings"]] == ["app.py"]  # type: ignore[index, union-attr]
    # Idempotent, and an existing config is never rewritten.
    before = (repo.path / ".credgate.toml").read_bytes()
    rc, text = run_init()
    assert rc == 0 and "unchanged .credgate.toml" in text
    assert (repo.path / ".credgate.toml").read_bytes() == before


def test_an_existing_config_is_left_alone_with_the_settings_to_add(repo: Repo) -> None:
    repo.write(".gitleaks.toml", "[allowlist]\npaths = ['''^tests/fixtures/''']\n")
    repo.write(".credgate.toml", 'notices = "block"\n')
    rc, text = run_init()
    assert rc == 1 and "left alone .credgate.toml" in text and "exclude = ['''/tests/fixtures/''']" in text
    assert (repo.path / ".credgate.toml").read_text() == 'notices = "block"\n'


def test_allow_values_is_validated_and_matched_on_the_value_only(repo: Repo) -> None:
    for bad, what in (("[1]", "list of strings"), ('["(?=x)"]', "not a valid RE2"), ('["a*"]', "empty"),
                      ('["[0-9]"]', "most token-shaped")):  # fmt: skip
        with pytest.raises(UsageError, match="allow-values") as exc:
            config.parse(f"allow-values = {bad}\n", ".credgate.toml")
        assert what in exc.value.message
    scanner = Scanner(load(()), allow_values=(b"^ghp_",))
    token = secret("%%github:ghp_%%")
    assert scanner.scan(f"T = '{token}'\n".encode(), "a.py").findings == []
    # The pattern reads the value, not the line: a word elsewhere on the line allows nothing.
    scanner = Scanner(load(()), allow_values=(b"EXAMPLE",))
    assert len(scanner.scan(f"T = '{token}'  # EXAMPLE\n".encode(), "a.py").findings) == 1


def test_gitleaksignore_fingerprints_become_baseline_entries_bound_to_their_path(repo: Repo) -> None:
    token, other = secret("%%github:ghp_%%"), secret("%%github:ghp_%%")
    repo.stage("app/config.py", f"import os\nTOKEN = '{token}'\n")
    repo.commit("leak")
    sha = repo.git("rev-parse", "HEAD").strip()
    repo.stage("settings.py", f"OTHER = '{other}'\n")
    repo.commit("another")
    repo.write(
        ".gitleaksignore",
        f"# findings reviewed 2024-05-01\n{sha}:app/config.py:github-pat:2\nsettings.py:generic-api-key:1\n"
        f"{sha}:app/config.py:github-pat:1\nnot a fingerprint\n{sha}:gone.py:github-pat:3\n",
    )
    rc, text = run_init()
    assert rc == 0, text
    assert "converted: .gitleaksignore:2 (app/config.py:2 at" in text
    assert "converted: .gitleaksignore:3 (settings.py:1) -> baseline entry for github-pat" in text
    assert "not converted: .gitleaksignore:4" in text and "nothing on that line" in text
    assert "not converted: .gitleaksignore:5: not a gitleaks fingerprint" in text
    assert "not converted: .gitleaksignore:6" in text and "not there" in text
    lines = (repo.path / ".credgate-baseline.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert sorted((e["path"], e["rule"]) for e in entries) == [
        ("app/config.py", "github-pat"),
        ("settings.py", "github-pat"),
    ]
    assert "merge=union" in (repo.path / ".gitattributes").read_text()
    assert token not in "\n".join(lines) and other not in "\n".join(lines)
    # Accepted where they are; the same value pasted into a new file blocks.
    assert scan_json("all_lines=True")["findings"] == []
    repo.stage("new.py", f"T = '{token}'\n")
    assert [f["path"] for f in scan_json()["findings"]] == ["new.py"]  # type: ignore[index, union-attr]
    before = (repo.path / ".credgate-baseline.jsonl").read_bytes()
    assert "unchanged .credgate-baseline.jsonl" in run_init()[1]
    assert (repo.path / ".credgate-baseline.jsonl").read_bytes() == before


def test_detect_secrets_baseline_written_by_detect_secrets_is_converted(repo: Repo, tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    repo.stage("app.py", f"TOKEN = '{token}'\n")
    repo.commit("app")
    made = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan"], cwd=repo.path, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    (repo.path / ".secrets.baseline").write_text(made.stdout)
    assert "app.py" in json.loads(made.stdout)["results"]
    later = secret("%%github:ghp_%%")
    repo.stage("later.py", f"LATER = '{later}'\n")  # after the detect-secrets baseline: not accepted
    rc, text = run_init()
    assert rc == 0, text
    assert "converted .secrets.baseline (detect-secrets)" in text
    assert "1 finding(s) were not in the detect-secrets baseline and still block" in text
    body = (repo.path / ".credgate-baseline.jsonl").read_text()
    assert '"path": "app.py"' in body and "later.py" not in body
    assert [f["path"] for f in scan_json()["findings"]] == ["later.py"]  # type: ignore[index, union-attr]
    before = body
    rc, _ = run_init()
    assert rc == 0 and (repo.path / ".credgate-baseline.jsonl").read_text() == before


def test_a_broken_gitleaks_config_is_exit_2_naming_it(repo: Repo) -> None:
    repo.write(".gitleaks.toml", "[allowlist\npaths = []\n")
    with pytest.raises(UsageError, match=r"\.gitleaks\.toml: not a valid gitleaks config"):
        migrate.detect(str(repo.path))


def test_extend_outside_the_repository_is_not_read(repo: Repo) -> None:
    repo.write(
        ".gitleaks.toml", '[extend]\npath = "../../etc/gitleaks.toml"\nurl = "https://x.invalid/c.toml"\n'
    )
    m = migrate.detect(str(repo.path))
    text = "\n".join(m.not_converted)
    assert "outside the repository" in text and "never fetches" in text
