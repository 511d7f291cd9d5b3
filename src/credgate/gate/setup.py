"""The decisions of `credgate init`: what to write where, and when to leave a user's file alone.

Each step records what it did as a `Note` (a kind and its fields) in an `Outcome`; output/setup.py
turns them into text. No click and no printing here. No user file is overwritten: a step that
would have to is refused (`Outcome.refuse`), with what to do instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio, migrate
from credgate.errors import CredgateError, UsageError
from credgate.gate import baseline_update, hooks
from credgate.gate.setup_recipes import (
    _SHA_RE,
    GITHUB_WORKFLOW,
    GITLAB_CI,
    HOOK_IDS,
    PRE_COMMIT_CONFIG,
    WRITTEN_IDS,
    Source,
    github_workflow,
    gitlab_job,
    precommit_block,
)


@dataclass(frozen=True)
class Note:
    kind: str  # the key of its text in output/setup.py
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    notes: list[Note] = field(default_factory=list)
    refused: int = 0

    def say(self, kind: str, **fields: Any) -> None:
        self.notes.append(Note(kind, fields))

    def refuse(self, kind: str, **fields: Any) -> None:
        self.notes.append(Note(kind, fields))
        self.refused += 1


def installed_source() -> Source:
    """pip's record (PEP 610 direct_url.json) of a credgate installed from a git URL at a commit."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        text = distribution("credgate").read_text("direct_url.json")
    except (PackageNotFoundError, OSError):
        return Source()
    return source_from_direct_url(text or "")


def source_from_direct_url(text: str) -> Source:
    """A PEP 610 record: a git URL at a full commit is a source; a local directory or an archive is not."""
    try:
        doc = json.loads(text or "{}")
    except ValueError:
        return Source()
    vcs = doc.get("vcs_info") if isinstance(doc, dict) else None
    url = doc.get("url") if isinstance(doc, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(url, str):
        commit = vcs.get("commit_id")
        if isinstance(commit, str) and _SHA_RE.match(commit) and not url.startswith("file:"):
            return Source(url, commit)
    return Source()


def resolve_source(repo_url: str | None, rev: str | None) -> Source:
    if bool(repo_url) != bool(rev):
        raise UsageError(
            "--repo and --rev go together",
            "pass both: --repo https://host/org/credgate --rev <40-hex commit> "
            "(find the commit with `git ls-remote https://host/org/credgate HEAD`)",
        )
    if repo_url and rev:
        if not _SHA_RE.match(rev):
            raise UsageError(
                f"--rev {rev} is not a full commit id",
                "pin a 40-hex commit, which always resolves (a tag must exist on that remote): "
                f"`git ls-remote {repo_url} HEAD` prints the newest",
            )
        return Source(repo_url, rev)
    return installed_source()


# ---------------------------------------------------------------- files, written only when safe


def _read(root: str, rel: str) -> str | None:
    path = os.path.join(root, rel)
    if os.path.islink(path):
        raise UsageError(f"{rel} is a symbolic link, so credgate does not write it", f"edit {rel} by hand")
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{rel}: cannot read it ({exc})", f"fix {rel}, then rerun credgate init") from None


def _write_new(root: str, rel: str, text: str) -> None:
    """Create (exclusively: never through a link planted in its place) or replace after a verified merge."""
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.credgate-init.{os.getpid()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return _BROKEN


_BROKEN = object()


def _appended(text: str, addition: str) -> str:
    return text + ("" if not text or text.endswith("\n") else "\n") + addition


# ---------------------------------------------------------------- .pre-commit-config.yaml


def _hook_ids(doc: Any) -> set[str]:
    ids: set[str] = set()
    repos = doc.get("repos") if isinstance(doc, dict) else None
    for repo in repos if isinstance(repos, list) else []:
        hooks_ = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks_ if isinstance(hooks_, list) else []:
            if isinstance(hook, dict) and isinstance(hook.get("id"), str):
                ids.add(hook["id"])
    return ids


def write_precommit_config(root: str, source: Source, o: Outcome) -> None:
    text = _read(root, PRE_COMMIT_CONFIG)
    if text is None:
        _write_new(root, PRE_COMMIT_CONFIG, "repos:\n" + precommit_block(source))
        o.say("precommit-wrote", source=source)
        return
    doc = _yaml(text)
    present = _hook_ids(doc) if doc is not _BROKEN else set()
    missing = [h for h in HOOK_IDS if h not in present]
    if not missing:
        o.say("precommit-unchanged")
        return
    if present & set(HOOK_IDS):
        o.refuse("precommit-partial", missing=missing)
        return
    # Append one item to `repos:`, then check the file now parses to exactly the old one plus it.
    m = re.search(r"(?m)^repos:[ \t]*\n(?:[ \t]*(?:#.*)?\n)*([ \t]*)- ", text)
    indent = m.group(1) if m else "  "
    merged = _appended(text, precommit_block(source, indent))
    new = _yaml(merged)
    ok = (
        isinstance(doc, dict)
        and isinstance(doc.get("repos"), list)
        and isinstance(new, dict)
        and {k: v for k, v in new.items() if k != "repos"} == {k: v for k, v in doc.items() if k != "repos"}
        and new.get("repos", [])[:-1] == doc["repos"]
        and _hook_ids({"repos": new["repos"][-1:]}) == set(WRITTEN_IDS)
    )
    if not ok:
        o.refuse("precommit-no-append", block=precommit_block(source))
        return
    _write_new(root, PRE_COMMIT_CONFIG, merged)
    o.say("precommit-merged")


# ---------------------------------------------------------------- CI recipes


def detect_ci(root: str) -> str | None:
    if os.path.isfile(os.path.join(root, GITLAB_CI)):
        return "gitlab"
    if os.path.isdir(os.path.join(root, ".github")):
        return "github"
    return None


def write_ci(root: str, ci: str, source: Source, o: Outcome) -> None:
    system = detect_ci(root) if ci == "auto" else (None if ci == "none" else ci)
    if system is None:
        if ci == "auto":
            o.say("ci-not-detected")
        return
    if not source.pinned:
        o.refuse("ci-unpinned", system=system)
        return
    if system == "github":
        text = _read(root, GITHUB_WORKFLOW)
        recipe = github_workflow(source)
        if text is None:
            _write_new(root, GITHUB_WORKFLOW, recipe)
            o.say("github-wrote")
        elif text == recipe:
            o.say("github-unchanged")
        else:
            o.refuse("github-differs")
        return
    text = _read(root, GITLAB_CI)
    doc = _yaml(text) if text is not None else {}
    stages = doc.get("stages") if isinstance(doc, dict) else None
    stage = None
    if isinstance(stages, list) and stages and "test" not in stages:
        stage = str(stages[0])
    job = gitlab_job(source, stage)
    if isinstance(doc, dict) and "credgate" in doc:
        o.say("gitlab-unchanged")
        return
    merged = _appended(text or "", ("\n" if text else "") + job)
    new = _yaml(merged)
    if (
        doc is None
        or isinstance(doc, dict)
        and isinstance(new, dict)
        and {k: v for k, v in new.items() if k != "credgate"} == (doc or {})
    ):
        _write_new(root, GITLAB_CI, merged)
        o.say("gitlab-wrote", merged=text is not None)
    else:
        o.refuse("gitlab-not-mapping", job=job)


# ---------------------------------------------------------------- migration


def write_config(root: str, mig: migrate.Migration, o: Outcome) -> None:
    settings = mig.config_settings
    if not settings:
        return
    existing = _read(root, config_mod.CONFIG_NAME)
    wanted = migrate.config_text(settings)
    if existing is None:
        pyproject = _read(root, config_mod.PYPROJECT_NAME)
        if (
            pyproject is not None
            and config_mod.pyproject_table(pyproject, config_mod.PYPROJECT_NAME) is not None
        ):
            o.refuse("config-in-pyproject", wanted=wanted)
            return
        config_mod.parse(wanted, config_mod.CONFIG_NAME)  # what init writes must load
        _write_new(root, config_mod.CONFIG_NAME, wanted)
        o.say("config-wrote", settings=list(settings), sources=mig.sources)
        return
    cfg = config_mod.parse(existing, config_mod.CONFIG_NAME, root)
    have = {"exclude": cfg.exclude, "allow-values": cfg.allow_values}
    lacking = {k: [v for v in vs if v not in have[k]] for k, vs in settings.items()}
    if not any(lacking.values()):
        o.say("config-unchanged")
        return
    o.refuse("config-exists", wanted=migrate.config_text({k: v for k, v in lacking.items() if v}))


def fingerprint_entries(root: str, mig: migrate.Migration, o: Outcome) -> list[bl.Entry]:
    """Baseline entries for the findings on the lines `.gitleaksignore` names."""
    from credgate.gate.scanning import build_scanner

    if not mig.fingerprints:
        return []
    cfg = config_mod.find(root)
    cfg.baseline = None
    scanner = build_scanner(cfg)
    entries: list[bl.Entry] = []
    o.say("fingerprints", count=len(mig.fingerprints))
    for fp in mig.fingerprints:
        path = bl._norm(fp.path)
        if fp.commit:
            try:
                data = gitio.file_at(fp.commit, path, root)
            except CredgateError:
                data = None
        else:
            full = os.path.join(root, path)
            data = migrate.read_small(full) if os.path.isfile(full) and not os.path.islink(full) else None
        if data is None:
            o.say("fingerprint-no-file", fp=fp, path=path)
            continue
        found = [
            f
            for f in scanner.scan(data, path).findings
            if f.blocking and f.line <= fp.line <= max(f.end_line, f.line)
        ]
        if not found:
            o.say("fingerprint-nothing", fp=fp, path=path)
            continue
        for f in found:
            key = bl.value_key(f, lambda data=data: data)  # type: ignore[misc]
            if key is not None:
                entries.append(bl.Entry(path, f.rule_id, key, reason=f"from .gitleaksignore ({fp.rule})"))
                o.say("fingerprint-converted", fp=fp, path=path, rule=f.rule_id)
    return entries


def write_baseline_entries(root: str, entries: list[bl.Entry], o: Outcome) -> None:
    if not entries:
        return
    cfg = config_mod.find(root)
    target = cfg.baseline or os.path.join(root, bl.BASELINE_NAME)
    existing = bl.load(target) if os.path.lexists(target) else bl.Baseline(target)
    fresh = not os.path.lexists(target)
    added = [e for e in entries if existing.add(e)]
    shown = os.path.relpath(target, root)
    if not added:
        o.say("baseline-unchanged", shown=shown)
        return
    baseline_update.write(target, existing.entries)
    o.say("baseline-wrote", shown=shown, fresh=fresh, count=len(added))
    if fresh:
        o.say("union-merge", result=baseline_update.union_merge(root, target))


@dataclass(frozen=True)
class BaselineRun:
    """What `credgate baseline` did, run from init (output/baseline.py has its text)."""

    plan: baseline_update.Plan
    removed: str | None = None
    union: baseline_update.UnionMerge | None = None


def convert_detect_secrets(root: str, mig: migrate.Migration, o: Outcome) -> None:
    if mig.detect_secrets is None:
        return
    cfg = config_mod.find(root)
    exists = cfg.baseline is not None and os.path.lexists(cfg.baseline)
    try:
        p = baseline_update.plan(from_detect_secrets=mig.detect_secrets, add=exists)
        run = BaselineRun(p)
        if p.changes:
            fresh = p.fresh
            baseline_update.write(p.target, p.entries)
            removed = baseline_update.remove_legacy(p)
            union = baseline_update.union_merge(p.root, p.target) if fresh else None
            run = BaselineRun(p, removed, union)
    except UsageError as exc:
        o.refuse("detect-secrets-failed", message=exc.message)
        return
    o.say("detect-secrets-converted", run=run)


def union_merge(root: str, o: Outcome) -> None:
    """A baseline merges without conflicts only with `merge=union` in .gitattributes: ensure it."""
    cfg = config_mod.find(root)
    if cfg.baseline is None or os.path.basename(cfg.baseline) == bl.LEGACY_NAME:
        return
    try:
        result = baseline_update.union_merge(root, cfg.baseline)
    except UsageError as exc:
        o.refuse("union-merge-failed", message=exc.message, hint=exc.hint)
        return
    o.say("union-merge", result=result)


# ---------------------------------------------------------------- .gitignore and hooks


def write_gitignore(root: str, o: Outcome) -> None:
    from credgate import policy
    from credgate.gate import coverage as cg

    cfg = config_mod.find(root)
    protected = policy.protected_list(cfg.protect, cfg.unprotect)
    sources = gitio.ignore_sources(root)
    dirs = cg.probe_dirs(sources)
    current = cg.parse_root(cg.read_root(root))
    fix_plan = cg.plan(sources, protected, dirs, current)
    if not fix_plan.changes(current):
        o.say("gitignore-unchanged")
        return
    cg.write_root(root, fix_plan.lines)
    o.say("gitignore-wrote")


def _precommit_command() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    exe = shutil.which("pre-commit")
    return [exe] if exe else None


def install(root: str, hooks_mode: str, o: Outcome) -> None:
    framework = _precommit_command() if hooks_mode in ("auto", "pre-commit") else None
    if hooks_mode == "pre-commit" and framework is None:
        raise UsageError(
            "--hooks pre-commit: the pre-commit framework is not installed", "pip install pre-commit"
        )
    if framework is not None:
        proc = subprocess.run(
            [*framework, "install", "--hook-type", "pre-commit", "--hook-type", "pre-push"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            o.refuse("framework-failed", output=proc.stderr.strip() or proc.stdout.strip())
            return
        o.say("framework-installed")
        return
    if hooks_mode == "none":
        return
    try:
        steps = list(hooks.install())
    except UsageError as exc:
        o.refuse("plain-failed", message=exc.message, hint=exc.hint)
        return
    o.say("plain-installed", steps=steps)


# ---------------------------------------------------------------- the whole setup


def setup(
    repo_url: str | None, rev: str | None, ci: str, hooks_mode: str
) -> tuple[Outcome, migrate.Migration]:
    """Every step, in order; what each did is in the Outcome."""
    root = gitio.toplevel()
    source = resolve_source(repo_url, rev)
    o = Outcome()
    if not source.pinned and shutil.which("credgate") is None:
        o.refuse("not-on-path")
    mig = migrate.detect(root)
    write_config(root, mig, o)
    entries = fingerprint_entries(root, mig, o)
    write_baseline_entries(root, entries, o)
    convert_detect_secrets(root, mig, o)
    union_merge(root, o)
    write_precommit_config(root, source, o)
    write_gitignore(root, o)
    write_ci(root, ci, source, o)
    install(root, hooks_mode, o)
    return o, mig
