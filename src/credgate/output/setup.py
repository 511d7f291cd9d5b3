"""The text of `credgate init`: one line per step (`wrote`, `merged`, `unchanged`, `left alone`...)."""

from __future__ import annotations

from typing import Any, Callable, TextIO

from credgate import migrate
from credgate.config import CONFIG_NAME, PYPROJECT_NAME
from credgate.gate.setup import BaselineRun, Note, Outcome
from credgate.gate.setup_recipes import GITHUB_WORKFLOW, GITLAB_CI, PRE_COMMIT_CONFIG, Source
from credgate.output import baseline as baseline_text
from credgate.output.escape import safe
from credgate.output.hooks import step_line

PC = PRE_COMMIT_CONFIG


def _where_from(source: Source) -> str:
    return f"{source.url} at {source.rev[:12]}" if source.pinned and source.rev else "the installed credgate"


def _fingerprint(f: dict[str, Any]) -> str:
    fp = f["fp"]
    return f"{fp.text} ({safe(f['path'])}:{fp.line}{' at ' + fp.commit[:12] if fp.commit else ''})"


def _nested(lines: list[str], indent: str) -> list[str]:
    return [indent + line.removeprefix("credgate: ") for line in lines]


def _baseline_run(run: BaselineRun) -> list[str]:
    """The lines `credgate baseline` prints for the same run."""
    p = run.plan
    lines = baseline_text.plan_lines(p)
    if p.changes:
        lines.append(baseline_text.wrote_line(p))
        if run.removed:
            lines.append(baseline_text.removed_line(run.removed))
        if run.union is not None:
            lines += baseline_text.union_lines(run.union)
        lines += baseline_text.closing_lines(p)
    return lines


TEXT: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "precommit-wrote": lambda f: [f"wrote {PC} with the four credgate hooks ({_where_from(f['source'])})"],
    "precommit-unchanged": lambda f: [f"unchanged {PC}: it already runs the four credgate hooks"],
    "precommit-partial": lambda f: [
        f"left alone {PC}: it runs some credgate hooks but not {', '.join(f['missing'])}; "
        "add them to its credgate entry by hand"
    ],
    "precommit-no-append": lambda f: [
        f"left alone {PC}: its layout does not allow a safe append (repos: must be the "
        "last key, as a block list); add this item to repos: by hand:\n" + f["block"]
    ],
    "precommit-merged": lambda f: [f"merged the four credgate hooks into {PC} (appended to repos:)"],
    "ci-not-detected": lambda f: [
        "no CI recipe: no .github/ or .gitlab-ci.yml here (`--ci github` or `--ci gitlab` writes one)"
    ],
    "ci-unpinned": lambda f: [
        f"no {f['system']} CI recipe: CI must install credgate from where your organisation hosts it; rerun "
        "with --repo URL --rev SHA (see the README's CI section for the recipe)"
    ],
    "github-wrote": lambda f: [
        f"wrote {GITHUB_WORKFLOW} (GitHub Actions: `credgate ci` on pushes and pull requests)"
    ],
    "github-unchanged": lambda f: [f"unchanged {GITHUB_WORKFLOW}"],
    "github-differs": lambda f: [
        f"left alone {GITHUB_WORKFLOW}: it exists and differs; compare it with the README recipe"
    ],
    "gitlab-unchanged": lambda f: [f"unchanged {GITLAB_CI}: it already has a credgate job"],
    "gitlab-wrote": lambda f: [f"{'merged a credgate job into' if f['merged'] else 'wrote'} {GITLAB_CI}"],
    "gitlab-not-mapping": lambda f: [
        f"left alone {GITLAB_CI}: it does not parse as a mapping of jobs; add this job by hand:\n{f['job']}"
    ],
    "config-in-pyproject": lambda f: [
        f"left alone the config: {PYPROJECT_NAME} has [tool.credgate]; add to it:\n{f['wanted']}"
    ],
    "config-wrote": lambda f: [
        f"wrote {CONFIG_NAME} with {', '.join(f['settings'])} converted from {', '.join(f['sources'])}"
    ],
    "config-unchanged": lambda f: [f"unchanged {CONFIG_NAME}: it has the converted settings"],
    "config-exists": lambda f: [
        f"left alone {CONFIG_NAME}: it exists; add the converted settings to it by hand:\n" + f["wanted"]
    ],
    "fingerprints": lambda f: [f"converting the {f['count']} fingerprint(s) in {migrate.GITLEAKS_IGNORE}:"],
    "fingerprint-no-file": lambda f: [f"  not converted: {_fingerprint(f)}: the file is not there"],
    "fingerprint-nothing": lambda f: [
        f"  not converted: {_fingerprint(f)}: credgate finds nothing on that line"
    ],
    "fingerprint-converted": lambda f: [f"  converted: {_fingerprint(f)} -> baseline entry for {f['rule']}"],
    "baseline-unchanged": lambda f: [
        f"unchanged {safe(f['shown'])}: it already accepts the converted fingerprints"
    ],
    "baseline-wrote": lambda f: [
        f"{'wrote' if f['fresh'] else 'added to'} {safe(f['shown'])}: "
        f"{f['count']} entr{'y' if f['count'] == 1 else 'ies'}"
    ],
    "union-merge": lambda f: _nested(baseline_text.union_lines(f["result"]), ""),
    "union-merge-failed": lambda f: [f"{f['message']}: {f['hint']}"],
    "detect-secrets-failed": lambda f: [f"not converted: {migrate.DETECT_SECRETS_BASELINE}: {f['message']}"],
    "detect-secrets-converted": lambda f: [
        f"converted {migrate.DETECT_SECRETS_BASELINE} (detect-secrets) "
        "with `credgate baseline --from-detect-secrets`:",
        *_nested(_baseline_run(f["run"]), "  "),
    ],
    "gitignore-unchanged": lambda f: ["unchanged .gitignore: it already ignores every credential file name"],
    "gitignore-wrote": lambda f: [
        "wrote the credgate block in .gitignore (.env, .env.*, keys, keystores...; commit it)"
    ],
    "framework-failed": lambda f: ["hooks not installed: `pre-commit install` failed: " + safe(f["output"])],
    "framework-installed": lambda f: [
        "installed the pre-commit and pre-push hooks with the pre-commit framework"
    ],
    "plain-failed": lambda f: [f"hooks not installed: {f['message']} ({f['hint']})"],
    "plain-installed": lambda f: [
        "pre-commit (the framework) is not installed: installed credgate's plain git hooks",
        *_nested([step_line(s) for s in f["steps"]], "  "),
    ],
    "not-on-path": lambda f: [
        "`credgate` is not on PATH, so the `repo: local` hooks cannot run it: install it where hooks "
        "find it (pipx install git+URL), or rerun with --repo URL --rev SHA"
    ],
}


def note_lines(note: Note) -> list[str]:
    return TEXT[note.kind](note.fields)


def write(o: Outcome, mig: migrate.Migration, out: TextIO) -> None:
    """Every step's lines (nested ones indented), the migration's summary, then the verdict."""
    for note in o.notes:
        for line in note_lines(note):
            print(f"credgate: {line}" if not line.startswith(" ") else line, file=out)
    if mig.sources:
        print(f"credgate: migration from {', '.join(mig.sources)}:", file=out)
        for line in mig.converted:
            print(f"  converted: {safe(line)}", file=out)
        for line in mig.not_converted:
            print(f"  not converted: {safe(line)}", file=out)
    if o.refused:
        print(f"credgate: {o.refused} step(s) were left for you (see above); the rest is done", file=out)
        return
    print("credgate: done; commit the files it wrote (git add -A && git commit)", file=out)
