#!/usr/bin/env python3
"""Full-history scan speed: credgate side by side with gitleaks and betterleaks.

Times, round-robin, each tool's scan of every commit on every ref of one repository:

    credgate history --format json
    gitleaks git --no-banner --report-format json --report-path <tmp> --exit-code 0 .
    betterleaks git --no-banner --output <tmp>.json --exit-code 0 .
    <site-packages>/betterleaks/bin/betterleaks git ...   (the bundled binary, as in hook_speed.py)

and reports median wall seconds, commits per second, CPU seconds, peak RSS, findings, and
the ratios credgate/gitleaks and credgate/betterleaks. The target (issue: history speed) is
credgate's commits/s at least gitleaks'.

The repository is either `--repo PATH` (an existing clone, only read: every git command the
tools run is a read, and GIT_OPTIONAL_LOCKS=0 keeps a `git status` from refreshing its index),
or, by default, a synthetic history built with one `git fast-import` in a temporary directory:
`--commits` commits (default 20000) on a main branch and a few topic branches merged back with
real merge commits, each commit adding, editing, renaming or deleting 1-3 files. The content is
real third-party source: the files of this interpreter's standard library (.py, .txt, .rst,
.json... under a size cap), and edits replace, insert or append a slice of lines taken from
another stdlib file, so diffs have realistic lines, not generated filler. A handful of
synthetic secrets (`--secrets`, default 5; made by credgate.engine.synth, never written as
literals here) are planted at known commits so that every tool has something to find; the
report says how many of them each tool found, besides its raw finding count.

Usage:
    python bench/history_speed.py [--commits 20000] [--rounds 3] [--warmup 1] [--json out.json]
                                  [--repo PATH] [--credgate PATH] [--anchors DIR] [--keep]

    --credgate  credgate executable (default: `credgate` next to this interpreter, else on PATH)
    --anchors   directory with gitleaks/betterleaks (default: $CREDGATE_ANCHOR_BIN or /tmp/anchors/bin;
                install them with `bash ../shared/bench/anchors.sh`)

Everything happens under one temporary directory: HOME, GIT_CONFIG_GLOBAL, XDG_CACHE_HOME and
CREDGATE_CACHE_DIR point inside it (see hook_speed.isolated_env), so the real home and caches
are never touched. The warm-up round fills credgate's rule-parse cache and the page cache.

Prints a Markdown report to stdout. Exit status: 0 if every run exited as expected, 1 if some
did not, 2 if credgate or git cannot be found or --repo is not a repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# hook_speed.py sits next to this file; running `python bench/history_speed.py` puts bench/ on
# sys.path. Sharing its helpers keeps the two benchmarks' isolation and tool discovery identical.
from hook_speed import (
    find_bundled_betterleaks,
    find_credgate,
    first_line,
    is_python_script,
    isolated_env,
    machine_info,
)

# Suffixes of text files worth replaying: what a source repository mostly holds.
TEXT_SUFFIXES = (
    ".py", ".pyi", ".txt", ".rst", ".md", ".json", ".cfg", ".ini", ".toml", ".html", ".css", ".js",
    ".xml", ".c", ".h", ".sh", ".csv", ".bat", ".ps1",
)  # fmt: skip
# Installed third-party packages are not the stdlib, and caches are not source.
SKIPPED_DIRS = frozenset({"site-packages", "dist-packages", "__pycache__"})

# One planted secret per entry, cycled when --secrets is larger: (kind, where, template).
# `where` is "insert" (a line inserted into an existing .py file) or a new file's path.
PLANTS = (
    ("github-pat", "insert", 'GITHUB_TOKEN = "%%github:ghp_%%"\n'),
    (
        "aws-key-pair",
        "deploy/aws-credentials-{k}.env",
        "AWS_ACCESS_KEY_ID=%%aws-key-id:AKIA%%\nAWS_SECRET_ACCESS_KEY=%%rand:base64:40%%\n",
    ),
    ("npm-token", "web/app{k}/.npmrc", "//registry.npmjs.org/:_authToken=%%npm%%\n"),
    (
        "slack-bot-token",
        "insert",
        'SLACK_BOT_TOKEN = "xoxb-%%rand:digit:12%%-%%rand:digit:13%%-%%rand:alnum:24%%"\n',
    ),
    ("private-key", "certs/server-{k}.key", "%%pem:RSA_PRIVATE_KEY%%\n"),
)

AUTHORS = (
    "Ada Park <ada.park@example.com>", "Bo Lindqvist <bo@example.org>", "Chen Wei <wei@example.net>",
    "Dana Okafor <dana@example.com>", "Eli Moreau <eli@example.org>", "Femi Adeyemi <femi@example.net>",
)  # fmt: skip
START_TIME = 1420070400  # 2015-01-01: a history spanning years, like a real project's


# --------------------------------------------------------------------------- content


def real_files(root: Path, max_bytes: int) -> list[tuple[str, bytes]]:
    """(relative path, content) of every text file under root up to max_bytes, in a stable order."""
    files: list[tuple[str, bytes]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Sorted in place, so that the walk (and with it the whole history) is the same on every run.
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(TEXT_SUFFIXES):
                continue
            path = Path(dirpath, name)
            try:
                if not 0 < path.stat().st_size <= max_bytes:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" not in data:  # a NUL means binary, whatever the suffix says
                files.append((path.relative_to(root).as_posix(), data))
    return files


def expand_templates(credgate: str, templates: list[str]) -> list[str]:
    """Each template expanded by credgate's generator (seeded), so no key is a literal in this file."""
    seeds = [f"history-speed-{i}" for i in range(len(templates))]
    try:
        from credgate.engine.synth import expand

        return [expand(t, s) for t, s in zip(templates, seeds)]
    except ImportError:
        pass
    # Not run from credgate's venv: ask the interpreter the credgate script starts with.
    with open(credgate, "rb") as fh:
        first = fh.readline().decode(errors="replace")
    if not first.startswith("#!"):
        raise RuntimeError(f"cannot import credgate, and {credgate} is not a Python script")
    code = (
        "import json, sys; from credgate.engine.synth import expand; "
        "print(json.dumps([expand(t, s) for t, s in json.loads(sys.argv[1])]))"
    )
    out = subprocess.run(
        [*shlex.split(first[2:].strip()), "-c", code, json.dumps(list(zip(templates, seeds)))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: list[str] = json.loads(out)
    return result


# --------------------------------------------------------------------------- synthetic history


@dataclass
class Branch:
    ref: str
    files: dict[str, bytes]
    tip: int = 0  # fast-import mark of the last commit; 0 before the first
    left: int = 0  # topic: commits still to make before it is merged
    touched: set[str] = field(default_factory=set)  # topic: paths it changed since its fork
    main_touched: set[str] = field(default_factory=set)  # topic: paths main changed since its fork


@dataclass
class Plant:
    kind: str
    commit_index: int
    mark: int
    branch: str
    path: str
    sha: str = ""


@dataclass
class Built:
    commits: int
    merges: int
    file_changes: int
    blob_bytes: int
    open_branches: list[str]
    plants: list[Plant]
    seconds: float


class HistoryWriter:
    """Writes a `git fast-import` stream of a plausible history made of real files.

    Merges are kept free of conflicts on purpose: a path is changed by at most one side of any
    future merge (main since a topic forked, or that topic), so that `--diff-merges=remerge`
    shows what a typical merge shows, nothing. Conflict resolutions are rare in real histories
    and would measure something else.
    """

    def __init__(
        self, out: IO[bytes], pool: list[tuple[str, bytes]], seed: str, topics: int, topic_max: int
    ) -> None:
        self.out = out
        self.pool = pool
        self.rng = random.Random(seed)
        self.max_topics = topics
        self.topic_max = topic_max  # commits per topic branch: 1..topic_max, like pull requests
        self.next_file = 0
        self.mark = 0
        self.when = START_TIME
        self.main = Branch("refs/heads/main", {})
        self.topics: list[Branch] = []
        self.merged: list[str] = []
        self.owner: dict[str, Branch] = {}  # path -> the live topic that changed it
        self.frozen: set[str] = set()  # planted files: kept as planted
        self.paths: list[str] = []  # every path ever created: random picks index into it
        self.known: set[str] = set()  # the same, for membership
        self.commits = self.merges = self.file_changes = self.blob_bytes = self.topic_no = 0

    # -- stream

    def commit(self, branch: Branch, message: str, changes: dict[str, bytes | None], merge: int = 0) -> int:
        self.mark += 1
        self.commits += 1
        self.when += self.rng.randint(60, 4 * 3600)
        who = self.rng.choice(AUTHORS).encode()
        stamp = b"%s %d +0000\n" % (who, self.when)
        msg = message.encode() + b"\n"
        w = self.out.write
        w(b"commit %s\nmark :%d\nauthor %s" % (branch.ref.encode(), self.mark, stamp))
        w(b"committer %s" % stamp)
        w(b"data %d\n%s" % (len(msg), msg))
        if branch.tip:
            w(b"from :%d\n" % branch.tip)
        if merge:
            w(b"merge :%d\n" % merge)
        for path, data in changes.items():
            if data is None:
                w(b"D %s\n" % path.encode())
                branch.files.pop(path, None)
            else:
                w(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
                w(data)
                w(b"\n")
                if path not in self.known:
                    self.known.add(path)
                    self.paths.append(path)
                branch.files[path] = data
                self.blob_bytes += len(data)
        w(b"\n")
        self.file_changes += len(changes)
        branch.tip = self.mark
        if branch is self.main:
            for t in self.topics:
                t.main_touched.update(changes)
        else:
            branch.touched.update(changes)
            for path in changes:
                self.owner[path] = branch
        return self.mark

    # -- choices

    def new_file(self) -> tuple[str, bytes]:
        # Once every stdlib file has been added, later copies go under another top directory:
        # unique paths keep branches from adding the same path.
        rel, data = self.pool[self.next_file % len(self.pool)]
        cycle = self.next_file // len(self.pool)
        self.next_file += 1
        return (f"src/{rel}" if cycle == 0 else f"src{cycle + 1}/{rel}"), data

    def may_touch(self, branch: Branch, path: str) -> bool:
        if path not in branch.files or path in self.frozen:
            return False
        owner = self.owner.get(path)
        if branch is self.main:
            return owner is None
        return (owner is None or owner is branch) and path not in branch.main_touched

    def pick(self, branch: Branch, suffix: str = "") -> str | None:
        if branch is not self.main and branch.touched and self.rng.random() < 0.5:
            # Topic branches mostly rework what they already changed.
            # sorted(): set order follows PYTHONHASHSEED, and the history must not.
            own = [p for p in sorted(branch.touched) if self.may_touch(branch, p) and p.endswith(suffix)]
            if own:
                return self.rng.choice(own)
        for _ in range(200):
            path = self.paths[self.rng.randrange(len(self.paths))]
            if path.endswith(suffix) and self.may_touch(branch, path):
                return path
        return None

    def lines_from_donor(self) -> list[bytes]:
        donor = self.pool[self.rng.randrange(len(self.pool))][1].splitlines(keepends=True)
        n = min(len(donor), self.rng.choice((1, 2, 3, 5, 8, 12, 20, 40)))
        start = self.rng.randrange(len(donor) - n + 1)
        chunk = donor[start : start + n]
        if chunk and not chunk[-1].endswith(b"\n"):
            chunk[-1] += b"\n"  # a donor's last line must not glue onto the next line
        return chunk

    def edit(self, data: bytes, cap: int) -> bytes:
        """Replace, insert or append a slice of another real file's lines."""
        lines = data.splitlines(keepends=True)
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b"\n"
        chunk = self.lines_from_donor()
        roll = self.rng.random()
        pos = self.rng.randrange(len(lines) + 1)
        if roll < 0.5 or len(data) > cap:
            # Replace; a file past the cap loses at least as many lines as it gains.
            drop = self.rng.randint(len(chunk) if len(data) > cap else 0, 2 * len(chunk))
            lines[pos : pos + drop] = chunk
        elif roll < 0.75:
            lines[pos:pos] = chunk
        else:
            lines.extend(chunk)
        return b"".join(lines)

    # -- commits

    def change(self, branch: Branch, cap: int) -> dict[str, bytes | None]:
        changes: dict[str, bytes | None] = {}
        for _ in range(self.rng.choice((1, 1, 1, 2, 2, 3))):
            roll = self.rng.random()
            path = None if roll < 0.22 else self.pick(branch)
            if path is None or path in changes:
                new, data = self.new_file()
                changes[new] = data
            elif roll < 0.92:
                changes[path] = self.edit(branch.files[path], cap)
            elif roll < 0.96:
                changes[path] = None
            else:
                stem, dot, ext = path.rpartition(".")
                changes[path] = None
                changes[f"{stem}_{self.mark}.{ext}" if dot else f"{path}_{self.mark}"] = branch.files[path]
        return changes

    def message(self, changes: dict[str, bytes | None]) -> str:
        path = next(iter(changes))
        verb = "Remove" if changes[path] is None else self.rng.choice(("Update", "Fix", "Refactor", "Add"))
        more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
        return f"{verb} {path}{more}"

    def merge(self, topic: Branch) -> None:
        changes = {
            p: topic.files.get(p)
            for p in sorted(topic.touched)
            if topic.files.get(p) != self.main.files.get(p)
        }
        self.topics.remove(topic)
        for path in topic.touched:
            if self.owner.get(path) is topic:
                del self.owner[path]
        name = topic.ref[len("refs/heads/") :]
        self.commit(self.main, f"Merge branch '{name}'", changes, merge=topic.tip)
        self.merges += 1
        self.merged.append(topic.ref)

    def fork(self) -> Branch:
        self.topic_no += 1
        name = f"refs/heads/feature/{self.rng.choice(('api', 'docs', 'perf', 'fix', 'cli'))}-{self.topic_no}"
        topic = Branch(
            name, dict(self.main.files), tip=self.main.tip, left=self.rng.randint(1, self.topic_max)
        )
        self.topics.append(topic)
        return topic

    def plant(self, branch: Branch, k: int, secret: str, index: int) -> Plant:
        kind, where, _ = PLANTS[k % len(PLANTS)]
        path = self.pick(branch, ".py") if where == "insert" else None
        if path is not None:
            lines = branch.files[path].splitlines(keepends=True)
            pos = self.rng.randrange(len(lines) + 1)
            data = b"".join(lines[:pos]) + secret.encode() + b"".join(lines[pos:])
        else:
            path = where.format(k=k) if where != "insert" else f"src/settings_{k}.py"
            data = secret.encode()
        self.commit(branch, f"Add settings for {path.rsplit('/', 1)[-1]}", {path: data})
        self.frozen.add(path)
        return Plant(kind, index, self.mark, branch.ref[len("refs/heads/") :], path)

    def write(self, total: int, initial_files: int, cap: int, secrets: list[str]) -> Built:
        start = time.perf_counter()
        initial: dict[str, bytes | None] = {}
        for _ in range(initial_files):
            path, data = self.new_file()
            initial[path] = data
        self.commit(self.main, "Initial import", initial)
        plant_at = {total * (2 * k + 1) // (2 * len(secrets)): k for k in range(len(secrets))}
        plants: list[Plant] = []
        for i in range(1, total):
            ready = [t for t in self.topics if t.left <= 0]
            if i in plant_at:
                k = plant_at[i]
                # Odd plants go to a topic branch: merged later, or never (then only --all sees them).
                branch = self.main if not self.topics or k % 2 == 0 else self.rng.choice(self.topics)
                plants.append(self.plant(branch, k, secrets[k], i))
            elif ready:
                self.merge(ready[0])
            else:
                if len(self.topics) < self.max_topics and self.rng.random() < 0.05:
                    self.fork()
                branch = (
                    self.main if not self.topics or self.rng.random() < 0.4 else self.rng.choice(self.topics)
                )
                changes = self.change(branch, cap)
                self.commit(branch, self.message(changes), changes)
                branch.left -= 1
            if i % 1000 == 0:
                # Release tags: refs that are not branches, as in any real repository.
                self.out.write(b"reset refs/tags/v%d.0\nfrom :%d\n\n" % (i // 1000, self.main.tip))
        return Built(
            commits=self.commits,
            merges=self.merges,
            file_changes=self.file_changes,
            blob_bytes=self.blob_bytes,
            open_branches=[t.ref for t in self.topics if t.touched],  # a fork with no commit has no ref
            plants=plants,
            seconds=time.perf_counter() - start,
        )


def git(repo: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, input=stdin, check=True, capture_output=True, text=True
    ).stdout


def build_repo(repo: Path, env: dict[str, str], args: argparse.Namespace, credgate: str) -> Built:
    pool = real_files(Path(args.source), args.max_file_kb * 1024)
    if len(pool) < 50:
        raise RuntimeError(f"only {len(pool)} text files under {args.source}: pass --source DIR")
    secrets = expand_templates(credgate, [PLANTS[k % len(PLANTS)][2] for k in range(args.secrets)])
    repo.mkdir()
    git(repo, env, "init", "-q")
    marks = repo.parent / "marks"
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=repo,
        env=env,
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    writer = HistoryWriter(proc.stdin, pool, args.seed, args.branches, args.topic_commits)
    try:
        built = writer.write(
            args.commits, min(args.initial_files, len(pool) // 2), args.max_file_kb * 1024, secrets
        )
    finally:
        proc.stdin.close()
        rc = proc.wait()
    if rc != 0:
        raise RuntimeError(f"git fast-import failed (exit {rc})")
    shas = dict(line.split() for line in marks.read_text().splitlines())
    for p in built.plants:
        p.sha = shas[f":{p.mark}"]
    # Merged topic branches are deleted, as on a hosted repository after a pull request.
    git(repo, env, "update-ref", "--stdin", stdin="".join(f"delete {ref}\n" for ref in writer.merged))
    start = time.perf_counter()
    # gc packs the objects with deltas and writes a commit-graph, as a fresh clone has them.
    git(repo, env, "gc", "--quiet")
    git(repo, env, "checkout", "--quiet", "--force", "main")
    built.seconds += time.perf_counter() - start
    return built


def repo_stats(repo: Path, env: dict[str, str]) -> dict[str, Any]:
    def count(*args: str) -> int:
        return int(git(repo, env, *args).strip() or 0)

    objects = {}
    for line in git(repo, env, "count-objects", "-v").splitlines():
        key, _, value = line.partition(":")
        objects[key.strip()] = value.strip()
    refs = git(repo, env, "for-each-ref", "--format=%(refname)").split()
    return {
        "commits": count("rev-list", "--all", "--count"),
        "merges": count("rev-list", "--all", "--merges", "--count"),
        "branches": sum(r.startswith("refs/heads/") for r in refs),
        "tags": sum(r.startswith("refs/tags/") for r in refs),
        "refs": len(refs),
        "files_at_head": len(git(repo, env, "ls-tree", "-r", "--name-only", "-z", "HEAD").split("\0")) - 1,
        "pack_kib": int(objects.get("size-pack", 0)) + int(objects.get("size", 0)),
        "objects": int(objects.get("in-pack", 0)) + int(objects.get("count", 0)),
    }


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    argv: list[str]
    version_argv: list[str]
    ok_codes: tuple[int, ...]
    report: Path | None = None  # the findings file; None: they come on stdout
    version: str = ""
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    findings: set[int] = field(default_factory=set)
    planted: set[int] = field(default_factory=set)
    commits_seen: set[str] = field(default_factory=set)
    exit_codes: set[int] = field(default_factory=set)
    bad_run: str = ""


def tool_findings(tool: Tool, stdout: bytes) -> tuple[list[tuple[str, str]], str]:
    """(commit, path) of each finding, and the number of commits the tool says it scanned."""
    if tool.name == "credgate":
        doc = json.loads(stdout)
        found = [(f.get("commit", ""), f.get("path", "")) for f in doc["findings"]]
        return found, str(doc.get("stats", {}).get("commits", "?"))
    assert tool.report is not None
    text = tool.report.read_text() if tool.report.exists() else ""
    rows = json.loads(text) if text.strip() else []
    if isinstance(rows, dict):  # betterleaks 2.x: {"schema_version", "findings", "scan"}
        rows = rows.get("findings") or []
    found = []
    for r in rows:
        # gitleaks: flat "Commit"/"File"; betterleaks 2.x: attributes["git.sha"] and location["path"].
        commit = r.get("Commit") or (r.get("attributes") or {}).get("git.sha") or ""
        path = r.get("File") or (r.get("location") or {}).get("path") or ""
        found.append((commit, path))
    return found, ""


COMMITS_SCANNED = re.compile(r"(\d+) commits scanned")


def run_once(
    tool: Tool, repo: Path, env: dict[str, str], tmp: Path, plants: list[Plant], record: bool
) -> None:
    if tool.report is not None and tool.report.exists():
        tool.report.unlink()
    out_path, err_path = tmp / f"{tool.name}.out", tmp / f"{tool.name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            tool.argv, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        # wait4 gives this run's own rusage: CPU of the tool and of every child it reaped (git), and
        # the peak RSS of the largest single process among them. getrusage(RUSAGE_CHILDREN) would
        # mix all runs together, and its ru_maxrss is a running maximum that a delta cannot split.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tool.exit_codes.add(proc.returncode)
    stdout, stderr = out_path.read_bytes(), err_path.read_bytes()
    if proc.returncode not in tool.ok_codes:
        if not tool.bad_run:
            tail = (stdout[-2000:] + stderr[-2000:]).decode(errors="replace").strip().splitlines()[-15:]
            tool.bad_run = f"exit {proc.returncode}: " + "\n".join(tail)
        return
    try:
        found, seen = tool_findings(tool, stdout)
    except (ValueError, KeyError) as exc:
        if not tool.bad_run:
            tool.bad_run = f"unreadable findings: {exc}"
        return
    if not seen:
        m = COMMITS_SCANNED.search(stderr.decode(errors="replace"))
        seen = m.group(1) if m else "?"
    pairs = set(found)
    tool.findings.add(len(found))
    tool.planted.add(sum((p.sha, p.path) in pairs for p in plants))
    tool.commits_seen.add(seen)
    if record:
        tool.wall.append(elapsed)
        tool.cpu.append(usage.ru_utime + usage.ru_stime)
        tool.rss_kib.append(usage.ru_maxrss)  # KiB on Linux


def make_tools(credgate: str, anchors: Path, tmp: Path, notes: list[str]) -> list[Tool]:
    tools = [Tool("credgate", [credgate, "history", "--format", "json"], [credgate, "--version"], (0, 1))]
    gitleaks = anchors / "gitleaks"
    if os.access(gitleaks, os.X_OK):
        report = tmp / "gitleaks-report.json"
        argv = [str(gitleaks), "git", "--no-banner", "--report-format", "json", "--report-path", str(report)]
        # --exit-code 0: findings are expected here; any other exit code is then an error.
        tools.append(
            Tool("gitleaks", [*argv, "--exit-code", "0", "."], [str(gitleaks), "version"], (0,), report)
        )
    else:
        notes.append(
            f"gitleaks not found at {gitleaks}: skipped (install with `bash ../shared/bench/anchors.sh`)"
        )
    betterleaks = anchors / "betterleaks"
    if not os.access(betterleaks, os.X_OK):
        notes.append(
            f"betterleaks not found at {betterleaks}: skipped "
            "(install with `bash ../shared/bench/anchors.sh`)"
        )
        return tools
    # betterleaks 2.x has no --report-format: the output file's extension picks JSON.
    report = tmp / "betterleaks-report.json"
    args = ["git", "--no-banner", "--output", str(report), "--exit-code", "0", "."]
    tools.append(
        Tool("betterleaks", [str(betterleaks), *args], [str(betterleaks), "--version"], (0,), report)
    )
    if is_python_script(betterleaks):
        notes.append(
            f"betterleaks at {betterleaks} is a Python wrapper around a bundled binary: its times include "
            "one Python interpreter start-up (negligible here)"
        )
    found = find_bundled_betterleaks(betterleaks)
    if found is None:
        notes.append("betterleaks-bin: no bundled binary found next to the betterleaks wrapper: skipped")
    elif os.path.realpath(found[0]) != os.path.realpath(betterleaks):
        binary, how = found
        report = tmp / "betterleaks-bin-report.json"
        argv = [binary, "git", "--no-banner", "--output", str(report), "--exit-code", "0", "."]
        tools.append(Tool("betterleaks-bin", argv, [binary, "--version"], (0,), report))
        notes.append(f"betterleaks-bin is {binary} (found by {how}), the binary the wrapper execs")
    return tools


# --------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--repo", help="existing repository to scan (only read); default: build a synthetic one"
    )
    parser.add_argument("--commits", type=int, default=20000, help="synthetic history length (default 20000)")
    parser.add_argument("--secrets", type=int, default=5, help="synthetic secrets to plant (default 5)")
    parser.add_argument("--branches", type=int, default=4, help="topic branches open at once (default 4)")
    parser.add_argument(
        "--topic-commits",
        type=int,
        default=15,
        help="most commits on a topic branch before its merge (default 15)",
    )
    parser.add_argument(
        "--initial-files", type=int, default=400, help="files in the first commit (default 400)"
    )
    parser.add_argument(
        "--source",
        default=sysconfig.get_paths()["stdlib"],
        help="directory of real files to replay (default: this interpreter's stdlib)",
    )
    parser.add_argument("--max-file-kb", type=int, default=64, help="skip source files larger (default 64)")
    parser.add_argument("--seed", default="credgate-history", help="seed of the synthetic history")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up rounds (default 1)")
    parser.add_argument("--credgate", help="credgate executable")
    parser.add_argument(
        "--anchors",
        default=os.environ.get("CREDGATE_ANCHOR_BIN") or "/tmp/anchors/bin",
        help="directory holding gitleaks and betterleaks",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0 or args.commits < 10 or args.secrets < 0 or args.topic_commits < 1:
        parser.error(
            "--rounds and --topic-commits must be >= 1, --warmup and --secrets >= 0, --commits >= 10"
        )
    if shutil.which("git") is None:
        print("error: git not found on PATH", file=sys.stderr)
        return 2
    credgate = find_credgate(args.credgate)
    if credgate is None:
        print("error: credgate not found (pass --credgate)", file=sys.stderr)
        return 2

    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="credgate-history-speed-"))
    try:
        env = isolated_env(tmp)
        # A scan must not write to the repository: no index refresh by a `git status` anywhere.
        env["GIT_OPTIONAL_LOCKS"] = "0"
        # Validation would send the planted keys to providers' APIs (and time the network).
        for var in ("BETTERLEAKS_VALIDATE", "BETTERLEAKS_ANALYZE"):
            env.pop(var, None)
        built: Built | None = None
        if args.repo:
            repo = Path(args.repo).resolve()
            check = subprocess.run(
                ["git", "rev-parse", "--git-dir"], cwd=repo, env=env, capture_output=True, text=True
            )
            if check.returncode != 0:
                print(f"error: {repo} is not a git repository: {check.stderr.strip()}", file=sys.stderr)
                return 2
            # The temporary global config replaces the user's, which may be what marks this
            # repository as safe when another user owns it.
            with open(env["GIT_CONFIG_GLOBAL"], "a") as fh:
                fh.write(f"[safe]\n\tdirectory = {repo}\n")
            notes.append(
                "a .gitleaks.toml / .gitleaksignore / .credgate.toml in the repository is used by that tool"
            )
        else:
            repo = tmp / "repo"
            print(f"building a {args.commits}-commit history in {repo} ...", file=sys.stderr)
            built = build_repo(repo, env, args, credgate)
        stats = repo_stats(repo, env)
        tools = make_tools(credgate, Path(args.anchors), tmp, notes)
        for note in notes:
            if "skipped" in note:
                print(f"warning: {note}", file=sys.stderr)
        for tool in tools:
            tool.version = first_line(tool.version_argv, env, repo)

        plants = built.plants if built else []
        total = args.warmup + args.rounds
        for rnd in range(total):
            # Rotating the start keeps any tool from always running right after the same one.
            k = rnd % len(tools)
            for tool in tools[k:] + tools[:k]:
                print(f"round {rnd + 1}/{total}: {tool.name}", file=sys.stderr)
                run_once(tool, repo, env, tmp, plants, record=rnd >= args.warmup)

        report = build_report(args, tools, stats, built, notes)
        print_markdown(report)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        for tool in tools:
            if tool.bad_run:
                print(f"\n{tool.name}: unexpected {tool.bad_run}", file=sys.stderr)
        return 1 if any(tool.bad_run for tool in tools) else 0
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def build_report(
    args: argparse.Namespace, tools: list[Tool], stats: dict[str, Any], built: Built | None, notes: list[str]
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for tool in tools:
        if not tool.wall:
            rows[tool.name] = {"error": tool.bad_run or "no timed run"}
            continue
        median = statistics.median(tool.wall)
        rows[tool.name] = {
            "median_s": median,
            "min_s": min(tool.wall),
            "commits_per_s": stats["commits"] / median,
            "cpu_s": statistics.median(tool.cpu),
            "peak_rss_mib": max(tool.rss_kib) / 1024,
            # Sets: the same count on every run is one value; differing counts show up as several.
            "findings": sorted(tool.findings),
            "planted_found": sorted(tool.planted),
            "commits_seen": sorted(tool.commits_seen),
            "exit_codes": sorted(tool.exit_codes),
            "samples_s": [round(x, 3) for x in tool.wall],
            "error": tool.bad_run,
        }
    ratios: dict[str, Any] = {}
    cg = rows.get("credgate", {})
    for name, row in rows.items():
        if name != "credgate" and "median_s" in row and "median_s" in cg:
            ratios[f"credgate/{name}"] = {
                "time": cg["median_s"] / row["median_s"],
                "commits_per_s": cg["commits_per_s"] / row["commits_per_s"],
            }
    source: dict[str, Any]
    if built is None:
        source = {"kind": "existing", "path": str(Path(args.repo).resolve())}
    else:
        source = {
            "kind": "synthetic",
            "content_from": args.source,
            "seed": args.seed,
            "max_file_kb": args.max_file_kb,
            "file_changes": built.file_changes,
            "blob_mib": built.blob_bytes / 2**20,
            "open_branches": built.open_branches,
            "build_s": built.seconds,
            "plants": [vars(p) for p in built.plants],
        }
    return {
        "settings": {"rounds": args.rounds, "warmup": args.warmup, "order": "round-robin, start rotated"},
        "machine": machine_info(),
        "repository": {**stats, **source},
        "tools": {t.name: {"command": shlex.join(t.argv), "version": t.version} for t in tools},
        "notes": notes,
        "results": rows,
        "ratios": ratios,
    }


def fmt_set(values: list[Any]) -> str:
    return " / ".join(str(v) for v in values) if values else "-"


def print_markdown(report: dict[str, Any]) -> None:
    m, st, repo = report["machine"], report["settings"], report["repository"]
    load = " ".join(f"{x:.2f}" for x in m["loadavg"]) if m["loadavg"] else "n/a"
    print("# Full-history scan speed\n")
    print(f"- machine: {m['platform']}, nproc {m['nproc']} (cpu_count {m['cpu_count']}), load average {load}")
    print(f"- python {m['python']} ({m['python_executable']}), {m['git']}")
    print(
        f"- {st['rounds']} timed rounds after {st['warmup']} warm-up round(s); one run of each tool per "
        "round, start rotated each round; CREDGATE_CACHE_DIR, HOME and git config in a temporary directory"
    )
    if repo["kind"] == "synthetic":
        print(
            "- repository: SYNTHETIC history (built by `git fast-import`, seed "
            f"`{repo['seed']}`) whose content is real third-party source: the text files "
            f"(<= {repo['max_file_kb']} KB) of {repo['content_from']}, "
            "added, edited by replacing/inserting/appending slices of lines from other such files, renamed "
            f"and deleted; {repo['file_changes']} file changes, {repo['blob_mib']:.0f} MiB of new blob "
            f"content; built and gc'ed in {repo['build_s']:.0f} s"
        )
    else:
        print(f"- repository: existing, {repo['path']} (only read)")
    print(
        f"- {repo['commits']} commits on all refs ({repo['merges']} merges), {repo['branches']} branches, "
        f"{repo['tags']} tags, {repo['files_at_head']} files at HEAD, {repo['objects']} objects, "
        f"pack {repo['pack_kib'] / 1024:.1f} MiB"
    )
    for p in repo.get("plants", []):
        print(
            f"- planted: {p['kind']} at commit #{p['commit_index']} {p['sha'][:12]} on `{p['branch']}`, "
            f"`{p['path']}`"
        )
    for note in report["notes"]:
        print(f"- note: {note}")

    print("\n| tool | version | command |\n| --- | --- | --- |")
    for name, t in report["tools"].items():
        print(f"| {name} | {t['version']} | `{t['command']}` |")

    planted_total = len(repo.get("plants", []))
    print(
        "\n| tool | median s | min s | commits/s | CPU s | peak RSS MiB | findings | planted found | "
        "commits seen | exit codes |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, r in report["results"].items():
        if "median_s" not in r:
            print(
                f"| {name} | **error** | | | | | | | | {r['error'].splitlines()[0] if r['error'] else ''} |"
            )
            continue
        planted = f"{fmt_set(r['planted_found'])} of {planted_total}" if planted_total else "-"
        print(
            f"| {name} | {r['median_s']:.2f} | {r['min_s']:.2f} | {r['commits_per_s']:.0f} | "
            f"{r['cpu_s']:.2f} | {r['peak_rss_mib']:.0f} | {fmt_set(r['findings'])} | {planted} | "
            f"{fmt_set(r['commits_seen'])} | "
            f"{fmt_set(r['exit_codes'])}{' **error**' if r['error'] else ''} |"
        )
    print()
    for pair, r in report["ratios"].items():
        tool = pair.split("/", 1)[1]
        print(
            f"- {pair}: {r['time']:.2f}x the wall time; "
            f"credgate's commits/s = {r['commits_per_s']:.2f}x those of {tool}"
        )
    gl = report["ratios"].get("credgate/gitleaks")
    if gl:
        met = "met" if gl["commits_per_s"] >= 1 else "NOT met"
        print(f"- target (credgate's commits/s >= gitleaks'): {met}")
    print(
        "- CPU s is user+system time of the tool and every child it waited for (git included); above the "
        "wall time means it ran on more than one core. Peak RSS is the largest single process of that tree."
    )
    print(
        "- commits/s divides the commits on all refs (merges included) by the median wall time, for every "
        "tool. Commits seen is what the tool itself reports: credgate's stats.commits (all commits), "
        "gitleaks' `N commits scanned` (commits whose `git log -p` shows a patch: not merges), "
        "betterleaks prints no count (?)."
    )
    print(
        "- findings are each tool's raw count (credgate: each secret once, where introduced; gitleaks and "
        "betterleaks: one per rule, commit and line); planted found counts planted secrets reported at "
        "their commit and path."
    )


if __name__ == "__main__":
    sys.exit(main())
