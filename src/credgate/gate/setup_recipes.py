"""What `credgate init` writes into files: the pre-commit config entry and the CI recipes.

File content, not terminal text: output/setup.py says what was done with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
