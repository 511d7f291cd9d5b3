"""`credgate init`: set a repository up in one non-interactive, idempotent command.

In order, each step printing one line (`wrote`, `merged`, `unchanged`, `left alone`...):

1. migration: another scanner's `.gitleaks.toml`, `.gitleaksignore` and `.secrets.baseline` are read
   (credgate.migrate) and what they mean is converted: `.credgate.toml` settings, baseline entries;
   what cannot be converted is listed with the reason;
2. `.credgate.toml`, only when the migration produced settings (never over an existing config);
3. `.pre-commit-config.yaml` with the four hooks: the repository URL pinned to a commit when credgate
   knows where it came from (`--repo URL --rev SHA`, or pip's record of a git install), else a
   `repo: local` block that runs the installed `credgate`. An existing file is merged (the hooks are
   appended to `repos:`, and the result is checked to parse to the old file plus them) or left alone;
4. the `.gitignore` block (the code of `credgate check-gitignore --fix`);
5. a CI recipe for the CI it detects (GitHub Actions, GitLab CI), with the same checks;
6. the hooks: `pre-commit install` for both hook types when pre-commit is available, otherwise the plain
   hooks (`credgate install-hooks`).

A second run changes nothing and says so. No user file is overwritten: a step that would have to is
skipped with what to do instead, and the exit code is 1.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import click

from credgate import baseline as bl
from credgate import config as config_mod
from credgate import gitio, migrate
from credgate.errors import CLEAN, FINDINGS, CredgateError, UsageError
from credgate.report import safe

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
GITHUB_WORKFLOW = ".github/workflows/credgate.yml"
GITLAB_CI = ".gitlab-ci.yml"
HOOK_IDS = ("credgate-secrets", "credgate-files", "credgate-gitignore", "credgate-range")  # the gate
# Written with the gate: the manual-stage fix that `credgate-gitignore` names to a pre-commit user.
WRITTEN_IDS = (*HOOK_IDS, "credgate-gitignore-fix")
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")

# The hooks of .pre-commit-hooks.yaml as `repo: local` hooks that run the installed credgate (a test
# keeps the two in step). Hooks that take file names end their entry with `--` (see the README).
LOCAL_HOOKS = """\
      - id: credgate-secrets
        name: credgate secrets (staged changes)
        entry: credgate secrets --
        language: system
        types_or: [file, symlink]
        stages: [pre-commit, pre-merge-commit, manual]
      - id: credgate-files
        name: credgate files (credential files by name or content)
        entry: credgate files --
        language: system
        types_or: [file, symlink]
        stages: [pre-commit, pre-merge-commit, manual]
      - id: credgate-gitignore
        name: credgate check-gitignore (.gitignore covers credential files)
        entry: credgate check-gitignore
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-commit, pre-merge-commit, manual]
      - id: credgate-range
        name: credgate scan-range (commits being pushed)
        entry: credgate scan-range
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-push, manual]
      - id: credgate-gitignore-fix
        name: credgate check-gitignore --fix (add the missing lines to .gitignore)
        entry: credgate check-gitignore --fix
        language: system
        pass_filenames: false
        always_run: true
        stages: [manual]
"""


@dataclass
class Source:
    """Where credgate comes from: a git URL and a commit, or None (the installed command)."""

    url: str | None = None
    rev: str | None = None

    @property
    def pinned(self) -> bool:
        return bool(self.url and self.rev)


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    refused: int = 0

    def say(self, text: str) -> None:
        self.lines.append(text)

    def refuse(self, text: str) -> None:
        self.lines.append(text)
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
                f"--rev {safe(rev)} is not a full commit id",
                "pin a 40-hex commit, which always resolves (a tag must exist on that remote): "
                f"`git ls-remote {safe(repo_url)} HEAD` prints the newest",
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


def precommit_block(source: Source, indent: str = "  ") -> str:
    """One `repos:` item with the four hooks, its `- ` at `indent`."""
    pad = indent + "  "
    if source.pinned:
        hooks = "".join(f"{pad}  - id: {h}\n" for h in WRITTEN_IDS)
        return f"{indent}- repo: {source.url}\n{pad}rev: {source.rev}\n{pad}hooks:\n{hooks}"
    body = "".join(pad + "  " + line[6:] + "\n" if line else "" for line in LOCAL_HOOKS.splitlines())
    return (
        f"{indent}# credgate's hooks run the `credgate` on PATH (installed from a checkout or a git URL);\n"
        f"{indent}# to pin a commit instead, rerun `credgate init --repo URL --rev SHA` on a fresh file.\n"
        f"{indent}- repo: local\n{pad}hooks:\n{body}"
    )


def _hook_ids(doc: Any) -> set[str]:
    ids: set[str] = set()
    repos = doc.get("repos") if isinstance(doc, dict) else None
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if isinstance(hook, dict) and isinstance(hook.get("id"), str):
                ids.add(hook["id"])
    return ids


def write_precommit_config(root: str, source: Source, o: Outcome) -> None:
    text = _read(root, PRE_COMMIT_CONFIG)
    if text is None:
        _write_new(root, PRE_COMMIT_CONFIG, "repos:\n" + precommit_block(source))
        where = (
            f"{source.url} at {source.rev[:12]}" if source.pinned and source.rev else "the installed credgate"
        )
        o.say(f"wrote {PRE_COMMIT_CONFIG} with the four credgate hooks ({where})")
        return
    doc = _yaml(text)
    present = _hook_ids(doc) if doc is not _BROKEN else set()
    missing = [h for h in HOOK_IDS if h not in present]
    if not missing:
        o.say(f"unchanged {PRE_COMMIT_CONFIG}: it already runs the four credgate hooks")
        return
    if present & set(HOOK_IDS):
        o.refuse(
            f"left alone {PRE_COMMIT_CONFIG}: it runs some credgate hooks but not {', '.join(missing)}; "
            "add them to its credgate entry by hand"
        )
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
        o.refuse(
            f"left alone {PRE_COMMIT_CONFIG}: its layout does not allow a safe append (repos: must be the "
            "last key, as a block list); add this item to repos: by hand:\n" + precommit_block(source)
        )
        return
    _write_new(root, PRE_COMMIT_CONFIG, merged)
    o.say(f"merged the four credgate hooks into {PRE_COMMIT_CONFIG} (appended to repos:)")


# ---------------------------------------------------------------- CI recipes


def _install_line(source: Source) -> str:
    return f'python3 -m pip install "credgate @ git+{source.url}@{source.rev}"'


def github_workflow(source: Source) -> str:
    return f"""\
# Written by `credgate init`: the commits of every push and pull request, judged by the base's config.
on: [push, pull_request]
permissions:
  contents: read
jobs:
  credgate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0          # the range needs the base commit
      - run: {_install_line(source)}
      - run: credgate ci --format github
"""


def gitlab_job(source: Source, stage: str | None = None) -> str:
    # A job without `stage:` runs in `test`, which a file that lists its own stages may not have.
    stage_line = f"  stage: {stage}\n" if stage else ""
    return f"""\
# Written by `credgate init`: the commits of every push and merge request, judged by the base's config.
credgate:
{stage_line}  image: python:3.12-slim
  variables:
    GIT_DEPTH: "0"                # the range needs the base commit
  before_script:
    - apt-get update -qq && apt-get install -y -qq git
    - {_install_line(source)}
    # The runner fetches only the pipeline's branch; a new branch is judged against the default one.
    - git fetch -q origin "+refs/heads/$CI_DEFAULT_BRANCH:refs/remotes/origin/$CI_DEFAULT_BRANCH"
  script:
    - credgate ci --format junit > credgate.xml
  artifacts:
    when: always
    reports:
      junit: credgate.xml
"""


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
            o.say(
                "no CI recipe: no .github/ or .gitlab-ci.yml here (`--ci github` or `--ci gitlab` writes one)"
            )
        return
    if not source.pinned:
        o.refuse(
            f"no {system} CI recipe: CI must install credgate from where your organisation hosts it; rerun "
            "with --repo URL --rev SHA (see the README's CI section for the recipe)"
        )
        return
    if system == "github":
        text = _read(root, GITHUB_WORKFLOW)
        recipe = github_workflow(source)
        if text is None:
            _write_new(root, GITHUB_WORKFLOW, recipe)
            o.say(f"wrote {GITHUB_WORKFLOW} (GitHub Actions: `credgate ci` on pushes and pull requests)")
        elif text == recipe:
            o.say(f"unchanged {GITHUB_WORKFLOW}")
        else:
            o.refuse(
                f"left alone {GITHUB_WORKFLOW}: it exists and differs; compare it with the README recipe"
            )
        return
    text = _read(root, GITLAB_CI)
    doc = _yaml(text) if text is not None else {}
    stages = doc.get("stages") if isinstance(doc, dict) else None
    stage = None
    if isinstance(stages, list) and stages and "test" not in stages:
        stage = str(stages[0])
    job = gitlab_job(source, stage)
    if isinstance(doc, dict) and "credgate" in doc:
        o.say(f"unchanged {GITLAB_CI}: it already has a credgate job")
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
        o.say(f"{'wrote' if text is None else 'merged a credgate job into'} {GITLAB_CI}")
    else:
        o.refuse(
            f"left alone {GITLAB_CI}: it does not parse as a mapping of jobs; add this job by hand:\n{job}"
        )


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
            o.refuse(
                f"left alone the config: {config_mod.PYPROJECT_NAME} has [tool.credgate]; "
                f"add to it:\n{wanted}"
            )
            return
        config_mod.parse(wanted, config_mod.CONFIG_NAME)  # what init writes must load
        _write_new(root, config_mod.CONFIG_NAME, wanted)
        o.say(
            f"wrote {config_mod.CONFIG_NAME} with {', '.join(settings)} "
            f"converted from {', '.join(mig.sources)}"
        )
        return
    cfg = config_mod.parse(existing, config_mod.CONFIG_NAME, root)
    have = {"exclude": cfg.exclude, "allow-values": cfg.allow_values}
    lacking = {k: [v for v in vs if v not in have[k]] for k, vs in settings.items()}
    if not any(lacking.values()):
        o.say(f"unchanged {config_mod.CONFIG_NAME}: it has the converted settings")
        return
    o.refuse(
        f"left alone {config_mod.CONFIG_NAME}: it exists; add the converted settings to it by hand:\n"
        + migrate.config_text({k: v for k, v in lacking.items() if v})
    )


def fingerprint_entries(root: str, mig: migrate.Migration, o: Outcome) -> list[bl.Entry]:
    """Baseline entries for the findings on the lines `.gitleaksignore` names."""
    from credgate.commands._common import build_scanner

    if not mig.fingerprints:
        return []
    cfg = config_mod.find(root)
    cfg.baseline = None
    scanner = build_scanner(cfg)
    entries: list[bl.Entry] = []
    o.say(f"converting the {len(mig.fingerprints)} fingerprint(s) in {migrate.GITLEAKS_IGNORE}:")
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
        where = f"{fp.text} ({safe(path)}:{fp.line}{' at ' + fp.commit[:12] if fp.commit else ''})"
        if data is None:
            o.say(f"  not converted: {where}: the file is not there")
            continue
        found = [
            f
            for f in scanner.scan(data, path).findings
            if f.blocking and f.line <= fp.line <= max(f.end_line, f.line)
        ]
        if not found:
            o.say(f"  not converted: {where}: credgate finds nothing on that line")
            continue
        for f in found:
            key = bl.value_key(f, lambda data=data: data)  # type: ignore[misc]
            if key is not None:
                entries.append(bl.Entry(path, f.rule_id, key, reason=f"from .gitleaksignore ({fp.rule})"))
                o.say(f"  converted: {where} -> baseline entry for {f.rule_id}")
    return entries


def write_baseline_entries(root: str, entries: list[bl.Entry], o: Outcome) -> None:
    from credgate.commands import baseline as baseline_cmd

    if not entries:
        return
    cfg = config_mod.find(root)
    target = cfg.baseline or os.path.join(root, bl.BASELINE_NAME)
    existing = bl.load(target) if os.path.lexists(target) else bl.Baseline(target)
    fresh = not os.path.lexists(target)
    added = [e for e in entries if existing.add(e)]
    shown = safe(os.path.relpath(target, root))
    if not added:
        o.say(f"unchanged {shown}: it already accepts the converted fingerprints")
        return
    baseline_cmd._write(target, existing.entries)
    o.say(f"{'wrote' if fresh else 'added to'} {shown}: {len(added)} entr{'y' if len(added) == 1 else 'ies'}")
    if fresh:
        buf = io.StringIO()
        baseline_cmd.ensure_union_merge(root, target, buf)
        o.lines += [line.removeprefix("credgate: ") for line in buf.getvalue().splitlines()]


def convert_detect_secrets(root: str, mig: migrate.Migration, o: Outcome) -> None:
    from credgate.commands import baseline as baseline_cmd

    if mig.detect_secrets is None:
        return
    cfg = config_mod.find(root)
    exists = cfg.baseline is not None and os.path.lexists(cfg.baseline)
    buf = io.StringIO()
    try:
        baseline_cmd.run(from_detect_secrets=mig.detect_secrets, add=exists, out=buf)
    except UsageError as exc:
        o.refuse(f"not converted: {migrate.DETECT_SECRETS_BASELINE}: {exc.message}")
        return
    o.say(
        f"converted {migrate.DETECT_SECRETS_BASELINE} (detect-secrets) "
        "with `credgate baseline --from-detect-secrets`:"
    )
    o.lines += ["  " + line.removeprefix("credgate: ") for line in buf.getvalue().splitlines()]


def union_merge(root: str, o: Outcome) -> None:
    """A baseline merges without conflicts only with `merge=union` in .gitattributes: ensure it."""
    from credgate.commands import baseline as baseline_cmd

    cfg = config_mod.find(root)
    if cfg.baseline is None or os.path.basename(cfg.baseline) == bl.LEGACY_NAME:
        return
    buf = io.StringIO()
    try:
        baseline_cmd.ensure_union_merge(root, cfg.baseline, buf)
    except UsageError as exc:
        o.refuse(f"{exc.message}: {exc.hint}")
        return
    o.lines += [line.removeprefix("credgate: ") for line in buf.getvalue().splitlines()]


# ---------------------------------------------------------------- .gitignore and hooks


def write_gitignore(root: str, o: Outcome) -> None:
    from credgate import policy
    from credgate.commands import check_gitignore as cg

    cfg = config_mod.find(root)
    protected = policy.protected_list(cfg.protect, cfg.unprotect)
    sources = gitio.ignore_sources(root)
    dirs = cg.probe_dirs(sources)
    current = cg.parse_root(cg.read_root(root))
    fix_plan = cg.plan(sources, protected, dirs, current)
    if not fix_plan.changes(current):
        o.say("unchanged .gitignore: it already ignores every credential file name")
        return
    cg.write_root(root, fix_plan.lines)
    o.say("wrote the credgate block in .gitignore (.env, .env.*, keys, keystores...; commit it)")


def _precommit_command() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    exe = shutil.which("pre-commit")
    return [exe] if exe else None


def install(root: str, hooks: str, o: Outcome) -> None:
    from credgate.commands import install_hooks

    framework = _precommit_command() if hooks in ("auto", "pre-commit") else None
    if hooks == "pre-commit" and framework is None:
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
            o.refuse(
                "hooks not installed: `pre-commit install` failed: "
                + safe(proc.stderr.strip() or proc.stdout.strip())
            )
            return
        o.say("installed the pre-commit and pre-push hooks with the pre-commit framework")
        return
    if hooks == "none":
        return
    buf = io.StringIO()
    try:
        install_hooks.run(out=buf)
    except UsageError as exc:
        o.refuse(f"hooks not installed: {exc.message} ({exc.hint})")
        return
    o.say("pre-commit (the framework) is not installed: installed credgate's plain git hooks")
    o.lines += ["  " + line.removeprefix("credgate: ") for line in buf.getvalue().splitlines()]


# ---------------------------------------------------------------- the command


def run(
    *,
    repo_url: str | None = None,
    rev: str | None = None,
    ci: str = "auto",
    hooks: str = "auto",
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    root = gitio.toplevel()
    source = resolve_source(repo_url, rev)
    o = Outcome()
    if not source.pinned and shutil.which("credgate") is None:
        o.refuse(
            "`credgate` is not on PATH, so the `repo: local` hooks cannot run it: install it where hooks "
            "find it (pipx install git+URL), or rerun with --repo URL --rev SHA"
        )
    mig = migrate.detect(root)
    write_config(root, mig, o)
    entries = fingerprint_entries(root, mig, o)
    write_baseline_entries(root, entries, o)
    convert_detect_secrets(root, mig, o)
    union_merge(root, o)
    write_precommit_config(root, source, o)
    write_gitignore(root, o)
    write_ci(root, ci, source, o)
    install(root, hooks, o)
    for line in o.lines:
        print(f"credgate: {line}" if not line.startswith(" ") else line, file=out)
    if mig.sources:
        print(f"credgate: migration from {', '.join(mig.sources)}:", file=out)
        for line in mig.converted:
            print(f"  converted: {safe(line)}", file=out)
        for line in mig.not_converted:
            print(f"  not converted: {safe(line)}", file=out)
    if o.refused:
        print(f"credgate: {o.refused} step(s) were left for you (see above); the rest is done", file=out)
        return FINDINGS
    print("credgate: done; commit the files it wrote (git add -A && git commit)", file=out)
    return CLEAN


@click.command("init")
@click.option("--repo", "repo_url", metavar="URL", help="Where credgate is hosted (for the pre-commit config "
              "and the CI recipe); with --rev.")  # fmt: skip
@click.option("--rev", metavar="SHA", help="The 40-hex credgate commit to pin (`git ls-remote URL HEAD`).")
@click.option("--ci", type=click.Choice(["auto", "github", "gitlab", "none"]), default="auto",
              show_default=True, help="Which CI recipe to write.")  # fmt: skip
@click.option("--hooks", type=click.Choice(["auto", "pre-commit", "plain", "none"]), default="auto",
              show_default=True, help="How to install hooks (auto: pre-commit if installed).")  # fmt: skip
@click.pass_context
def command(ctx: click.Context, repo_url: str | None, rev: str | None, ci: str, hooks: str) -> None:
    """Set this repository up: hooks config, .gitignore, CI recipe, migration from other scanners.

    Non-interactive and idempotent: a second run changes nothing. Existing files are merged
    only when the merge can be checked, and otherwise left alone with what to add (exit 1).
    """
    ctx.exit(run(repo_url=repo_url, rev=rev, ci=ci, hooks=hooks))
