"""The baseline bound to place: path, rule and value key; renames; union merges; history.

Every test drives real git in a temporary repository: commits, `git mv`, branches and a real
`git merge` with the `merge=union` attribute `credgate baseline` writes.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from credgate import baseline as bl
from credgate.commands import baseline, history, scan, scan_range, secrets
from credgate.commands._options import Options
from credgate.errors import UsageError
from tests.conftest import Repo, secret

NAME = ".credgate-baseline.jsonl"


def run_baseline(**kw: object) -> tuple[int, str]:
    out = io.StringIO()
    rc = baseline.run(opts=Options(out=out), **kw)  # type: ignore[arg-type]
    return rc, out.getvalue()


def entries(repo: Repo) -> list[dict[str, str]]:
    lines = (repo.path / NAME).read_text().splitlines()
    return [json.loads(line) for line in lines if line and not line.startswith("#")]


def gate(fn: Any, **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if "opts" in inspect.signature(fn).parameters:  # a command that takes the shared options as one value
        shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
        rc = fn(opts=Options(out=out, err=err, **shared), **kw)
    else:
        rc = fn(out=out, err=err, **kw)
    return rc, out.getvalue(), err.getvalue()


def token() -> str:
    return secret("%%github:ghp_%%")


def cli(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credgate", *args], cwd=repo.path, capture_output=True, text=True
    )


# ---------------------------------------------------------------- issue 18 item 4: self-approval


def test_an_entry_labelled_for_another_path_does_not_approve_a_new_secret(repo: Repo) -> None:
    repo.stage("docs/archive/notes.md", "# old notes\n")
    repo.commit()
    # The attacker computes the entry for the new token (anyone holding it can), then labels it
    # with a harmless file.
    repo.stage("deploy.py", f'TOKEN = "{token()}"\n')
    run_baseline()
    line = (repo.path / NAME).read_text().replace('"deploy.py"', '"docs/archive/notes.md"')
    repo.write(NAME, line)
    repo.git("add", "-A")
    rc, out, err = gate(secrets.run, paths=[])
    assert rc == 1 and "deploy.py" in out
    assert "docs/archive/notes.md (github-pat)" in err and "accepts nothing" in err
    # The same commit, judged as a range (pre-push / CI), blocks too and names the entry.
    base = repo.git("rev-parse", "HEAD").strip()
    repo.commit()
    rc, out, err = gate(scan_range_run, from_ref=base, to_ref="HEAD")
    assert rc == 1 and "deploy.py" in out and "docs/archive/notes.md (github-pat)" in err
    # Through the CLI the commit hook's exit code is 1 as well.
    assert cli(repo, "scan", ".").returncode == 1


def test_an_old_format_entry_is_bound_to_the_path_it_names(repo: Repo) -> None:
    value = token()
    repo.stage("docs/archive/notes.md", "# old notes\n")
    repo.stage("deploy.py", f'TOKEN = "{value}"\n')
    legacy = {
        "tool": "credgate",
        "version": 1,
        "entries": [
            {
                "rule": "github-pat",
                "fingerprint": bl._pbkdf2("github-pat", value.encode()),
                "path": "docs/archive/notes.md",
            }
        ],
    }
    repo.write(".credgate-baseline.json", json.dumps(legacy))
    rc, out, err = gate(secrets.run, paths=[])
    assert rc == 1 and "deploy.py" in out
    assert "old-format baseline" in err and "credgate baseline" in err
    # Labelled with the right path, the old entry still accepts it.
    legacy["entries"][0]["path"] = "deploy.py"  # type: ignore[index]
    repo.write(".credgate-baseline.json", json.dumps(legacy))
    rc, out, err = gate(secrets.run, paths=[])
    assert rc == 0 and "1 known finding accepted" in err


# ---------------------------------------------------------------- issue 15 item 3: bound to place


def test_a_known_value_in_a_new_place_blocks(repo: Repo) -> None:
    value = token()
    repo.stage("config/app.env", f"GITHUB_TOKEN={value}\n")
    repo.commit()
    run_baseline()
    repo.git("add", "-A")
    repo.commit()
    assert gate(scan.run, paths=["."])[0] == 0
    repo.stage("src/client.py", f'TOKEN = "{value}"\n')
    rc, out, _ = gate(secrets.run, paths=[])
    assert rc == 1 and "src/client.py" in out and "config/app.env" not in out
    rc, out, err = gate(scan.run, paths=["."])
    assert rc == 1 and "client.py" in out and "1 known finding accepted" in err


def test_a_new_value_in_a_baselined_file_blocks(repo: Repo) -> None:
    repo.stage("app.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    repo.stage("app.env", f"GITHUB_TOKEN={token()}\n")
    rc, out, _ = gate(secrets.run, paths=[])
    assert rc == 1 and "app.env" in out


def test_committed_renames_and_moved_lines_keep_an_entry(repo: Repo) -> None:
    value = token()
    repo.stage("a.env", f"GITHUB_TOKEN={value}\n")
    repo.commit()
    run_baseline()
    repo.git("add", "-A")
    repo.commit("baseline")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", "a.env", "b.env")
    assert gate(secrets.run, paths=[], all_lines=True)[0] == 0  # a staged `git mv`
    assert gate(scan.run, paths=["."])[0] == 0
    repo.commit("rename")
    (repo.path / "conf").mkdir()
    repo.git("mv", "b.env", "conf/c.env")
    repo.stage("conf/c.env", "# header\n\n\nDEBUG=1\n" + f"GITHUB_TOKEN={value}\n")
    repo.commit("rename again, lines moved")
    rc, _, err = gate(scan.run, paths=["."], fmt="json")
    assert rc == 0 and "1 known finding accepted" in err
    assert gate(scan_range_run, from_ref=base, to_ref="HEAD")[0] == 0
    assert gate(secrets.run, paths=[], all_lines=True)[0] == 0
    # A copy is not a rename: the value in a file git did not move there still blocks.
    repo.stage("conf/d.env", f"GITHUB_TOKEN={value}\n")
    rc, out, _ = gate(secrets.run, paths=[])
    assert rc == 1 and "conf/d.env" in out


def test_low_entropy_values_are_stored_by_place_not_by_value(repo: Repo) -> None:
    weak = "Winter2024!"
    repo.stage("deploy/db.env", f"DB_PASSWORD={weak}\n")
    repo.commit()
    run_baseline()
    [entry] = entries(repo)
    assert entry["fingerprint"].startswith("p1:")
    text = (repo.path / NAME).read_text()
    assert bl._pbkdf2(entry["rule"], weak.encode()) not in text  # nothing a dictionary could test
    repo.stage("deploy/db.env", f"# moved down\nAPP=1\nDB_PASSWORD={weak}\n")
    assert gate(secrets.run, paths=[], all_lines=True)[0] == 0
    # The same weak value under another name or in another file blocks.
    repo.stage("deploy/db.env", f"APP=1\nADMIN_PASSWORD={weak}\n")
    assert gate(secrets.run, paths=[])[0] == 1
    repo.stage("deploy/db.env", f"DB_PASSWORD={weak}\n")
    repo.stage("deploy/other.env", f"DB_PASSWORD={weak}\n")
    rc, out, _ = gate(secrets.run, paths=[])
    assert rc == 1 and "other.env" in out


def test_low_entropy_key_is_one_swappable_function() -> None:
    from credgate.engine.finding import Finding

    def finding(value: bytes) -> Finding:
        return Finding("r", "r", "high", "high", "a.env", 1, 1, 1, "", "", secret=value)

    strong = secret("%%rand:base64:40%%").encode()
    assert not bl.is_low_entropy(strong) and bl.is_low_entropy(b"hunter2hunter2")
    assert bl.value_key(finding(strong), lambda: None) == "v1:" + bl._pbkdf2("r", strong)
    assert bl.value_key(finding(b"hunter2hunter2"), lambda: None) is None  # no place, no key
    a = bl.value_key(finding(b"hunter2hunter2"), lambda: b"PASS=hunter2hunter2\n")
    b = bl.value_key(finding(b"kitten77kitten"), lambda: b"PASS=kitten77kitten\n")
    assert a == b and a is not None and a.startswith("p1:")  # derived from the place only


# ---------------------------------------------------------------- merging


def _branch_adds(repo: Repo, branch: str, path: str) -> None:
    repo.git("checkout", "-q", branch)
    repo.stage(path, f"GITHUB_TOKEN={token()}\n")
    rc, out = run_baseline(add=True)
    assert rc == 0 and f"+ {path}" in out
    repo.git("add", "-A")
    repo.commit(f"accept {path}")


def test_two_branches_that_each_accept_a_finding_merge_without_conflict(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    rc, out = run_baseline()
    assert rc == 0 and "merge=union" in (repo.path / ".gitattributes").read_text()
    repo.git("add", "-A")
    repo.commit("baseline")
    repo.git("branch", "feature")
    _branch_adds(repo, "feature", "m.env")  # sorts between the others: the hunks touch
    _branch_adds(repo, "main", "n.env")
    merge = subprocess.run(
        ["git", "merge", "--no-edit", "feature"], cwd=repo.path, capture_output=True, text=True
    )
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert sorted(e["path"] for e in entries(repo)) == ["a.env", "m.env", "n.env"]
    assert gate(scan.run, paths=["."])[0] == 0
    assert run_baseline()[0] == 0  # nothing new to accept after the merge


def test_without_the_attribute_a_conflict_is_refused_not_reaccepted(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    (repo.path / ".gitattributes").unlink()  # the team dropped the merge=union line
    repo.git("add", "-A")
    repo.commit("baseline")
    repo.git("branch", "feature")
    _branch_adds(repo, "feature", "m.env")
    _branch_adds(repo, "main", "n.env")
    assert not (repo.path / ".gitattributes").exists()  # --add does not put it back
    merge = subprocess.run(["git", "merge", "--no-edit", "feature"], cwd=repo.path, capture_output=True)
    assert merge.returncode != 0  # a plain text merge of two additions at one place conflicts
    before = (repo.path / NAME).read_bytes()
    assert b"<<<<<<<" in before
    proc = cli(repo, "baseline", "--add")
    assert proc.returncode == 2 and "conflict markers" in proc.stderr and "keep the lines" in proc.stderr
    assert (repo.path / NAME).read_bytes() == before
    assert cli(repo, "scan", ".").returncode == 2  # the gates fail closed on it too


def test_the_loader_takes_what_a_union_merge_produces(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.stage("b.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    lines = (repo.path / NAME).read_text().splitlines()
    body = [x for x in lines if not x.startswith("#")]
    repo.write(NAME, "\n".join(lines + list(reversed(body)) + body) + "\n")  # duplicates, any order
    assert gate(scan.run, paths=["."])[0] == 0
    rc, out = run_baseline(add=True)
    assert rc == 0 and "nothing to add" in out


# ---------------------------------------------------------------- the command


def test_baseline_over_an_existing_file_only_lists_until_told_to_add(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    repo.stage("b.env", f"GITHUB_TOKEN={token()}\n")
    before = (repo.path / NAME).read_bytes()
    rc, out = run_baseline()
    assert rc == 1 and "? b.env  github-pat  ghp_****" in out and "--add" in out
    assert (repo.path / NAME).read_bytes() == before
    rc, out = run_baseline(add=True)
    assert rc == 0 and "+ b.env  github-pat" in out and "a.env" not in out.split("wrote")[0]
    assert sorted(e["path"] for e in entries(repo)) == ["a.env", "b.env"]


def test_prune_removes_entries_that_match_nothing(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.stage("b.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    repo.stage("b.env", "GITHUB_TOKEN=\n")
    rc, out = run_baseline()
    assert rc == 0 and "1 entry in .credgate-baseline.jsonl matches nothing today" in out
    assert len(entries(repo)) == 2  # reported, not removed, until asked
    rc, out = run_baseline(prune=True)
    assert rc == 0 and "- b.env  github-pat  (matches nothing today: removed)" in out
    assert [e["path"] for e in entries(repo)] == ["a.env"]


def test_an_old_format_baseline_is_converted_with_what_was_converted(repo: Repo) -> None:
    kept, gone = token(), token()
    repo.stage("moved/a.env", f"GITHUB_TOKEN={kept}\n")
    repo.commit()
    legacy = {
        "tool": "credgate",
        "version": 1,
        "entries": [
            {"rule": "github-pat", "fingerprint": bl._pbkdf2("github-pat", kept.encode()), "path": "a.env"},
            {"rule": "github-pat", "fingerprint": bl._pbkdf2("github-pat", gone.encode()), "path": "x.env"},
        ],
    }
    repo.write(".credgate-baseline.json", json.dumps(legacy))
    rc, out = run_baseline()
    assert rc == 0
    assert "= moved/a.env  github-pat" in out and "[was labelled a.env]" in out
    assert "- x.env  github-pat  (not found in any file today: not converted)" in out
    assert not (repo.path / ".credgate-baseline.json").exists()
    assert [e["path"] for e in entries(repo)] == ["moved/a.env"]
    assert gate(scan.run, paths=["."])[0] == 0


def test_load_text_reads_a_git_blob(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    repo.git("add", "-A")
    repo.commit()
    blob = subprocess.run(["git", "show", f"HEAD:{NAME}"], cwd=repo.path, capture_output=True, check=True)
    loaded = bl.load_text(blob.stdout, f"HEAD:{NAME}")
    assert [(e.path, e.rule) for e in loaded.entries] == [("a.env", "github-pat")]
    with pytest.raises(UsageError) as info:
        bl.load_text(b"<<<<<<< HEAD\n=======\n>>>>>>> x\n", "base:x")
    assert "base:x" in str(info.value)


# ---------------------------------------------------------------- issue 14 item 4: history


def history_json(repo: Repo) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    rc = history.run(opts=Options(fmt="json", out=out, err=io.StringIO()))
    return rc, json.loads(out.getvalue())


def test_history_reports_a_value_allowed_at_head_as_accepted(repo: Repo) -> None:
    value = token()
    repo.stage("src/fixtures.py", f'SAMPLE = "{value}"\n')
    repo.commit()
    assert history_json(repo)[0] == 1
    repo.stage("src/fixtures.py", f'SAMPLE = "{value}"  # credgate:allow test fixture\n')
    repo.commit("mark the false positive")
    rc, doc = history_json(repo)
    assert rc == 0, doc
    assert doc["stats"]["allowed_at_head"] == 1  # type: ignore[index]
    [acc] = doc["accepted"]  # type: ignore[misc]
    assert acc["accepted_by"] == "allow-marker-at-head" and acc["path"] == "src/fixtures.py"
    out, err = io.StringIO(), io.StringIO()
    assert history.run(opts=Options(out=out, err=err)) == 0
    assert "1 known finding accepted" in err.getvalue()


def test_a_marker_in_another_path_does_not_clear_a_history_finding(repo: Repo) -> None:
    value = token()
    repo.stage("deploy.env", f"GITHUB_TOKEN={value}\n")
    repo.commit()
    repo.stage("deploy.env", "GITHUB_TOKEN=\n")
    repo.stage("docs/example.md", f"token: {value}  <!-- credgate:allow -->\n")
    repo.commit()
    rc, doc = history_json(repo)
    assert rc == 1 and [f["path"] for f in doc["findings"]] == ["deploy.env"]  # type: ignore[index]


def test_baseline_history_accepts_todays_history_findings(repo: Repo) -> None:
    value = token()
    repo.stage("old.env", f"GITHUB_TOKEN={value}\n")
    repo.stage("notes.md", f"token {value}\n")
    repo.commit()
    repo.git("rm", "-q", "old.env")
    repo.stage("notes.md", "rotated\n")
    repo.commit()
    assert history_json(repo)[0] == 1
    rc, out = run_baseline(history=True)
    assert rc == 0 and "+ old.env" in out and "+ notes.md" in out
    assert sorted(e["path"] for e in entries(repo)) == ["notes.md", "old.env"]
    rc, doc = history_json(repo)
    assert rc == 0 and doc["stats"]["baselined"] == 1  # type: ignore[index]
    assert doc["accepted"][0]["accepted_by"] == "baseline"  # type: ignore[index]
    # Each entry is bound to its path: a new history secret still fails.
    repo.stage("later.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    rc, doc = history_json(repo)
    assert rc == 1 and [f["path"] for f in doc["findings"]] == ["later.env"]  # type: ignore[index]


def test_history_needs_every_path_covered(repo: Repo) -> None:
    value = token()
    repo.stage("a.env", f"GITHUB_TOKEN={value}\n")
    repo.stage("b.md", f"token {value}\n")
    repo.commit()
    run_baseline()
    lines = [x for x in (repo.path / NAME).read_text().splitlines() if '"b.md"' not in x]
    repo.write(NAME, "\n".join(lines) + "\n")
    assert history_json(repo)[0] == 1


def test_paths_from_a_subdirectory_and_accepted_findings_in_json(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.stage("svc/conf/app.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    assert [e["path"] for e in entries(repo)] == ["svc/conf/app.env"]
    monkeypatch.chdir(repo.path / "svc")
    rc, out, err = gate(scan.run, paths=["."], fmt="json")
    assert rc == 0 and "1 known finding accepted" in err
    doc = json.loads(out)
    assert doc["findings"] == [] and doc["stats"]["baselined"] == 1
    [acc] = doc["accepted"]
    assert acc["accepted_by"] == "baseline" and acc["rule"] == "github-pat" and acc["secret"].endswith("****")
    repo.stage("svc/conf/app.env", f"GITHUB_TOKEN={token()}\n")
    rc, out, _ = gate(secrets.run, paths=[], fmt="json")
    assert rc == 1 and [f["path"] for f in json.loads(out)["findings"]] == ["svc/conf/app.env"]


def test_history_accepts_a_weak_value_in_a_path_it_left(repo: Repo) -> None:
    repo.stage("a.env", "DB_PASSWORD=Winter2024!\n")
    repo.commit()
    repo.stage("b.env", "DB_PASSWORD=Winter2024!\n")
    repo.commit()
    repo.git("rm", "-q", "a.env", "b.env")
    repo.commit()
    assert history_json(repo)[0] == 1
    rc, out = run_baseline(history=True)
    assert rc == 0 and "+ a.env" in out and "+ b.env" in out
    assert all(e["fingerprint"].startswith("p1:") for e in entries(repo))
    assert history_json(repo)[0] == 0


def test_scan_of_a_subdirectory_scans_its_files(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # git lists from the repository root; a subdirectory once yielded no file and passed.
    repo.stage("svc/conf/app.env", f"GITHUB_TOKEN={token()}\n")
    rc, out, _ = gate(scan.run, paths=["svc"])
    assert rc == 1 and "svc/conf/app.env" in out
    monkeypatch.chdir(repo.path / "svc")
    rc, out, _ = gate(scan.run, paths=["."], fmt="json")
    assert rc == 1 and json.loads(out)["stats"]["files"] == 1


def test_a_rename_survives_a_later_merge_of_the_baseline(repo: Repo) -> None:
    value = token()
    repo.stage("a.env", f"GITHUB_TOKEN={value}\n")
    repo.commit()
    run_baseline()
    repo.git("add", "-A")
    repo.commit("baseline")
    repo.git("branch", "feature")
    repo.git("mv", "a.env", "b.env")
    repo.commit("rename on main")
    _branch_adds(repo, "feature", "x.env")
    repo.git("checkout", "-q", "main")
    merge = subprocess.run(["git", "merge", "--no-edit", "feature"], cwd=repo.path, capture_output=True)
    assert merge.returncode == 0
    rc, _, err = gate(scan.run, paths=["."])
    assert rc == 0 and "2 known findings accepted" in err
    repo.stage("b.env", f"# edited\nGITHUB_TOKEN={value}\n")
    assert gate(secrets.run, paths=[], all_lines=True)[0] == 0
    rc, out = run_baseline()
    assert rc == 0 and "renamed from a.env" in out
    assert sorted(e["path"] for e in entries(repo)) == ["b.env", "x.env"]


def test_a_reviewers_reason_is_kept_when_the_file_is_rewritten(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    run_baseline()
    text = (repo.path / NAME).read_text().replace('"}', '", "reason": "revoked test account"}')
    repo.write(NAME, text)
    repo.git("add", "-A")
    repo.commit()
    repo.git("mv", "a.env", "b.env")
    repo.stage("c.env", f"GITHUB_TOKEN={token()}\n")
    rc, out = run_baseline(add=True)
    assert rc == 0 and "+ c.env" in out and "renamed from a.env" in out
    got = {e["path"]: e.get("reason") for e in entries(repo)}
    assert got == {"b.env": "revoked test account", "c.env": None}


def test_the_real_commit_hook_refuses_a_self_approved_secret(repo: Repo, tmp_path: Path) -> None:
    from credgate.commands import install_hooks
    from tests.commands.test_install_hooks import covered, path_with_credgate

    covered(repo)  # the plain hook's gitignore gate passes: the test is about the baseline
    repo.stage("docs/archive/notes.md", "# old notes\n")
    repo.commit()
    assert install_hooks.run(["pre-commit"], opts=Options(out=io.StringIO())) == 0
    repo.stage("deploy.py", f'TOKEN = "{token()}"\n')
    run_baseline()
    forged = (repo.path / NAME).read_text().replace('"deploy.py"', '"docs/archive/notes.md"')
    repo.write(NAME, forged)
    repo.git("add", "-A")
    env = {**os.environ, "PATH": path_with_credgate(tmp_path)}
    proc = subprocess.run(
        ["git", "commit", "-m", "add deploy"], cwd=repo.path, capture_output=True, text=True, env=env
    )
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "deploy.py:1" in said and "accepts nothing" in said
    assert "deploy" not in repo.git("log", "--format=%s")
    # The honest entry, for the path the value is at, lets the reviewed commit through.
    repo.write(NAME, forged.replace('"docs/archive/notes.md"', '"deploy.py"'))
    repo.git("add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-m", "add deploy"], cwd=repo.path, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 known finding accepted" in proc.stdout + proc.stderr


def test_cli_lists_then_adds(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    repo.commit()
    assert cli(repo, "baseline").returncode == 0
    repo.stage("b.env", f"GITHUB_TOKEN={token()}\n")
    listed = cli(repo, "baseline")
    assert listed.returncode == 1 and "? b.env" in listed.stdout
    added = cli(repo, "baseline", "--add")
    assert added.returncode == 0 and "+ b.env" in added.stdout
    assert cli(repo, "scan", ".").returncode == 0


def test_an_oversized_baseline_is_refused_unread(repo: Repo) -> None:
    repo.stage("a.env", f"GITHUB_TOKEN={token()}\n")
    with open(repo.path / NAME, "wb") as fh:
        fh.truncate(bl.MAX_SIZE + 10)  # sparse: costs no disk
    with pytest.raises(UsageError) as info:
        scan.run(["."], opts=Options(out=io.StringIO(), err=io.StringIO()))
    assert "MiB" in str(info.value)


def test_history_follows_a_rename_to_the_entry_and_honours_rule_scoped_markers(repo: Repo) -> None:
    value = token()
    repo.stage("old/name.env", f"GITHUB_TOKEN={value}\n")
    repo.commit()
    (repo.path / "new").mkdir()
    repo.git("mv", "old/name.env", "new/name.env")
    repo.commit()
    run_baseline()  # written under the new name only
    assert [e["path"] for e in entries(repo)] == ["new/name.env"]
    rc, doc = history_json(repo)
    assert rc == 0 and doc["stats"]["baselined"] == 1  # type: ignore[index]
    # A marker for another rule does not clear it; one for its rule does.
    other = token()
    repo.stage("src/a.py", f'T = "{other}"  # credgate:allow=aws-access-key-id\n')
    repo.commit()
    rc, doc = history_json(repo)
    assert rc == 1 and [f["path"] for f in doc["findings"]] == ["src/a.py"]  # type: ignore[index]
    repo.stage("src/a.py", f'T = "{other}"  # credgate:allow=github-pat\n')
    repo.commit()
    rc, doc = history_json(repo)
    assert rc == 0 and doc["stats"]["allowed_at_head"] == 1  # type: ignore[index]


def test_an_entry_committed_before_its_value_does_not_approve_it(repo: Repo) -> None:
    repo.stage("README.md", "hello\n")
    repo.commit()
    line = f'TOKEN = "{token()}"\n'
    repo.write("deploy.py", line)
    run_baseline()  # the entry is computed while the value sits in an untracked file...
    (repo.path / "deploy.py").unlink()
    repo.git("add", NAME, ".gitattributes")
    rc, _, err = gate(secrets.run, paths=[])
    assert rc == 0 and "deploy.py (github-pat)" in err and "accepts nothing" in err  # ...and reported
    repo.commit("pre-approve")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.stage("deploy.py", line)
    rc, out, err = gate(secrets.run, paths=[])
    assert rc == 1 and "deploy.py" in out and "cannot approve a value in advance" in err
    repo.commit("the secret")
    rc, out, err = gate(scan_range_run, from_ref=base, to_ref="HEAD")
    assert rc == 1 and "cannot approve a value in advance" in err
    # The way out the message gives: drop the line, commit, then accept the value with its file.
    repo.git("reset", "-q", "--soft", "HEAD~1")
    repo.git("rm", "-q", "--cached", "deploy.py")
    repo.write(NAME, bl.HEADER)
    repo.git("add", NAME)
    assert gate(secrets.run, paths=[])[0] == 0
    repo.commit("drop the entry")
    repo.git("add", "deploy.py")
    assert run_baseline(add=True)[0] == 0
    repo.git("add", NAME)
    rc, _, err = gate(secrets.run, paths=[])
    assert rc == 0 and "1 known finding accepted" in err


def scan_range_run(out: io.StringIO, err: io.StringIO, **kw: object) -> int:
    """scan_range.run with the streams `gate` passes, as the shared Options."""
    shared = {k: kw.pop(k) for k in ("fmt", "verbose", "config_path") if k in kw}
    return scan_range.run(**kw, opts=Options(out=out, err=err, **shared))  # type: ignore[arg-type]
