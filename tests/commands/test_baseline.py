"""`credgate baseline`: accepted findings keyed on the secret, and the gates that honour them."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from credgate.cli import main
from credgate.commands import baseline, ci, scan, scan_range, secrets
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, secret


def write_baseline(**kw: object) -> str:
    out = io.StringIO()
    assert baseline.run(opts=Options(out=out), **kw) == 0  # type: ignore[arg-type]
    return out.getvalue()


def entries(repo: Repo) -> list[dict[str, str]]:
    lines = (repo.path / ".credgate-baseline.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line and not line.startswith("#")]


def token_line() -> str:
    return f"GITHUB_TOKEN={secret('%%github:ghp_%%')}\n"


def test_baseline_accepts_known_findings_and_blocks_new_ones(repo: Repo) -> None:
    repo.stage("deploy/settings.env", token_line())
    repo.commit()
    assert scan.run(["."], opts=Options(out=io.StringIO(), err=io.StringIO())) == 1
    text = write_baseline()
    assert "1 accepted finding" in text
    assert [e["rule"] for e in entries(repo)] == ["github-pat"]
    assert scan.run(["."], opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    # A new secret still blocks, in the staged gate too.
    repo.stage("deploy/other.env", token_line())
    out = io.StringIO()
    assert secrets.run([], opts=Options(out=out, err=io.StringIO())) == 1
    assert "other.env" in out.getvalue() and "settings.env" not in out.getvalue()


def test_baseline_survives_moves_and_line_shifts(repo: Repo) -> None:
    line = token_line()
    repo.stage("a.env", line)
    repo.commit()
    write_baseline()
    repo.git("add", ".credgate-baseline.jsonl")
    before = entries(repo)
    repo.git("mv", "a.env", "b.env")
    repo.stage("b.env", "# moved and shifted\n\n\n" + line)
    assert secrets.run([], opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    out = io.StringIO()
    assert scan.run(["."], opts=Options(out=out, err=io.StringIO(), fmt="json")) == 0, out.getvalue()
    assert json.loads(out.getvalue())["stats"]["baselined"] == 1
    text = write_baseline()
    assert "renamed from a.env" in text  # the entry follows the file, with the same key
    after = entries(repo)
    assert [(e["path"], e["fingerprint"]) for e in after] == [("b.env", before[0]["fingerprint"])]


def test_baseline_holds_no_secret_and_no_line_numbers(repo: Repo) -> None:
    value = secret("%%github:ghp_%%")
    repo.stage("x.env", f"TOKEN={value}\n")
    repo.commit()
    write_baseline()
    text = (repo.path / ".credgate-baseline.jsonl").read_text()
    assert value not in text and value[4:12] not in text
    assert all(set(e) == {"path", "rule", "fingerprint"} for e in entries(repo))  # no line numbers, no dates
    write_baseline()
    assert (repo.path / ".credgate-baseline.jsonl").read_text() == text  # regenerating does not churn


def test_range_and_ci_honour_the_baseline(repo: Repo) -> None:
    repo.stage("base.txt", "hello\n")
    repo.commit()
    base = repo.git("rev-parse", "HEAD").strip()
    line = token_line()
    repo.stage("app.env", line)
    repo.commit()
    head = repo.git("rev-parse", "HEAD").strip()
    assert scan_range.run(from_ref=base, to_ref=head, opts=Options(out=io.StringIO(), err=io.StringIO())) == 1
    write_baseline()
    assert scan_range.run(from_ref=base, to_ref=head, opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    env = {"CI": "true", "CREDGATE_BASE": base, "CREDGATE_HEAD": head}
    # CI takes the baseline from the base revision: one the base does not have accepts nothing.
    assert ci.run(env=env, opts=Options(out=io.StringIO(), err=io.StringIO())) == 1
    # Once the base holds the value and its entry, a change that edits that line is judged by it.
    repo.git("add", ".credgate-baseline.jsonl", ".gitattributes")
    repo.commit("accept the finding")
    accepted = repo.git("rev-parse", "HEAD").strip()
    repo.stage("app.env", line.rstrip("\n") + "  # reviewed\n")
    repo.commit("touch the accepted line")
    env = {"CI": "true", "CREDGATE_BASE": accepted, "CREDGATE_HEAD": repo.git("rev-parse", "HEAD").strip()}
    assert ci.run(env=env, opts=Options(out=io.StringIO(), err=io.StringIO())) == 0
    # The same value in a new place is not accepted by that entry.
    repo.stage("other.env", line)
    repo.commit("copy the value")
    env = {"CI": "true", "CREDGATE_BASE": accepted, "CREDGATE_HEAD": repo.git("rev-parse", "HEAD").strip()}
    assert ci.run(env=env, opts=Options(out=io.StringIO(), err=io.StringIO())) == 1


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"version": 9, "entries": []}),
        json.dumps({"version": 1, "entries": [{"rule": 1}]}),
    ],
)
def test_a_broken_baseline_is_a_usage_error(repo: Repo, content: str) -> None:
    repo.stage("app.env", token_line())
    repo.write(".credgate-baseline.json", content)
    with pytest.raises(UsageError) as info:
        secrets.run([], opts=Options(out=io.StringIO(), err=io.StringIO()))
    assert "credgate baseline" in (info.value.hint or "")


def test_migrating_from_a_detect_secrets_baseline(repo: Repo) -> None:
    repo.stage("known.env", f"API_KEY={secret('%%rand:alnum:28%%%%rand:digit:4%%')}\n")
    repo.stage("new.env", token_line())
    repo.commit()
    ds = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "known.env"],
        cwd=repo.path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    (repo.path / ".secrets.baseline").write_text(ds.stdout)
    assert json.loads(ds.stdout)["results"], "detect-secrets should list the known key"
    text = write_baseline(from_detect_secrets=str(repo.path / ".secrets.baseline"))
    assert "1 accepted finding" in text and "1 finding(s) were not in the detect-secrets baseline" in text
    out = io.StringIO()
    assert scan.run(["."], opts=Options(out=out, err=io.StringIO(), fmt="json")) == 1
    assert [f["path"].endswith("new.env") for f in json.loads(out.getvalue())["findings"]] == [True]


def test_cli(repo: Repo) -> None:
    repo.stage("a.env", token_line())
    repo.commit()
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "baseline"], cwd=repo.path, capture_output=True, text=True
    )
    assert proc.returncode == 0 and "accepted finding" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "credgate", "scan", "."], cwd=repo.path, capture_output=True, text=True
    )
    assert proc.returncode == 0


def cli(*args: str) -> int:
    """Run the `credgate` command line in-process, as the shell would: its exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    return int(exit_.value.code or 0)


def test_the_cli_takes_its_config_option(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.stage("a.env", token_line())
    repo.write("other.toml", 'exclude = ["a.env"]\n')
    assert cli("baseline", "--config", "other.toml") == 0
    assert "wrote .credgate-baseline.jsonl with 0 accepted finding(s)" in capsys.readouterr().out
    assert cli("baseline", "--add") == 0  # the default config: the file is scanned
    assert "accepting 1 finding(s)" in capsys.readouterr().out
    assert cli("baseline", "--format", "json") == 2  # `baseline` has no --format
