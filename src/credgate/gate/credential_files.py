"""The credential-file gate: whether a file may be committed, judged by its name and its content.

`.gitignore` only stops `git add .`; `git add -f .env.master` walks straight past
it, and a pattern that misses `.env.*` lets the file in silently. This gate judges
the file itself, as the index holds it:

- by name: the protected list of `credgate.policy` (`.env.*`, keystores, cloud
  credential files...), adjusted by `protect` / `unprotect` in `.credgate.toml`;
- by content: any file holding a private key block is blocked whatever its name,
  and names that are only sometimes secret (`*.pem`, `.npmrc`, service-account
  JSON) are blocked only when their content carries the secret (engine/keyfiles.py);
- templates (`.env.example`...) are allowed, but their values are scanned: a real
  value in a template is as exposed as one in `.env`.

Deletions always pass: `git rm --cached .env.master` is the fix, not a leak.
Decisions only: the text and JSON of a verdict are output/files.py's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from credgate import config as config_mod
from credgate import gitio, policy
from credgate.engine import credfiles, keyfiles
from credgate.engine.finding import Finding
from credgate.engine.rules import RuleSet
from credgate.engine.scanner import Scanner
from credgate.errors import InternalError, UsageError
from credgate.gate.report import Stats

TYPE_CHECKING = False  # typing itself is not imported at run time (a blocked commit loads this module)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Sequence

# Engine rules whose finding means "this file holds a private key" (the whole key is the match).
KEY_RULE_PREFIX = "private-key"
KEY_RULE_IDS = frozenset({"gcp-service-account-key"})
_GITIGNORE_SPECIAL = re.compile(r"[*?\[\]\\!#\s]")
# Every pyvenv.cfg names the interpreter it was made from; an empty decoy file does not.
_VENV_HOME = re.compile(rb"(?m)^[ \t]*home[ \t]*=")


@dataclass
class Verdict:
    """Why one file may not be committed."""

    path: str  # repo-relative, decoded with surrogateescape (printed only through safe())
    kind: str  # the protected kind ("env", "keystore"...), "private-key" by content, or "template"
    reason: str  # "name", "content" or "template-value"
    why: str
    pattern: str = ""  # the protected pattern that matched, "" when only the content decided
    findings: list[Finding] = field(default_factory=list)
    status: str = ""  # A, M, R... for staged files; "tracked" or "file" otherwise

    @property
    def ignore_line(self) -> str:
        """The .gitignore line that keeps this file out for good ("" for templates, which belong in git)."""
        if self.reason == "template-value":
            return ""
        if self.pattern and not self.pattern.startswith("!"):
            return self.pattern
        if _GITIGNORE_SPECIAL.search(self.path):
            return ""  # would need escaping: let the user write it rather than print a wrong line
        return "/" + self.path


class Classifier:
    """Decides whether one file is a credential. Shared with `credgate audit`."""

    def __init__(self, cfg: config_mod.Config) -> None:
        self.cfg = cfg
        self.protected = policy.protected_list(cfg.protect, cfg.unprotect)
        self._spec: Any = None
        self._scanner: Scanner | None = None
        self._key_scanner: Scanner | None = None
        self.top: str | None = None  # the work tree, for pyvenv.cfg on disk
        self.venv_dirs: set[str] = set()  # directories whose pyvenv.cfg is in the index
        # Reads venv_dirs from the index the first time a dotenv-named directory needs it.
        self.venv_loader: Callable[[], set[str]] | None = None

    @property
    def scanner(self) -> Scanner:
        if self._scanner is None:
            from credgate.gate.scanning import build_scanner

            self._scanner = build_scanner(self.cfg)
        return self._scanner

    @property
    def key_scanner(self) -> Scanner:
        # Only the key rules run on every file: their keyword prefilter ("private key-----")
        # makes an ordinary file cost one substring search.
        if self._key_scanner is None:
            rules = [r for r in self.scanner.ruleset.rules if _is_key_rule(r.id)]
            self._key_scanner = Scanner(RuleSet(rules))
        return self._key_scanner

    def by_name(self, path: str) -> policy.Protected | None:
        """The protected entry path falls under by its name, case and backup suffixes aside."""
        hit, exempt = self._by_pattern(path)
        normalized = policy.normalize_path(path)
        if hit is None and not exempt and normalized != path:
            # `CERT.PFX`, `cert.p12.bak`, `terraform.tfstate.1700000000.backup`: the same file renamed.
            hit, exempt = self._by_pattern(normalized)
        if hit is not None or exempt:
            return hit
        # What a pattern cannot say, unless the repository unprotected dotenv files: `env.production`
        # without its dot, and files inside a directory named like a dotenv file.
        env_patterns = {p.pattern for p in self.protected if p.kind == "env"}
        if ".env.*" in env_patterns and policy.is_env_file(path):
            if policy.normalize_name(path.rsplit("/", 1)[-1]).endswith(".env"):
                return policy.NAMED_DOTENV  # `prod.env`, `config/secrets.env`
            return policy.Protected("", "env", "dotenv file named for an environment (env.production...)", ())
        folder = policy.dotenv_dir(path)
        wanted = ".env" if folder and policy.normalize_name(folder.rsplit("/", 1)[-1]) == ".env" else ".env.*"
        if folder is not None and wanted in env_patterns and not self.is_venv(folder):
            why = f"inside {folder}/, named like a dotenv file (a virtualenv would have pyvenv.cfg)"
            # The .gitignore line is the directory's, which keeps out all of it.
            line = "" if _GITIGNORE_SPECIAL.search(folder) else f"/{folder}/"
            return policy.Protected(line, "env", why, ())
        return None

    def _by_pattern(self, path: str) -> tuple[policy.Protected | None, bool]:
        """(the matching entry, whether a `!` pattern in `protect` exempted the path)."""
        if not self.protected:
            return None, False
        if self._spec is None:
            from credgate.ignore import pattern_list

            # One list for all patterns, read as git reads .gitignore: the last matching pattern
            # decides and a `!pattern` in `protect` can exempt a path.
            self._spec = pattern_list([p.pattern for p in self.protected], "protect")
        rule = self._spec.check(path).rule
        if rule is None:
            return None, False
        if rule.negated:
            return None, True
        hit: policy.Protected = self.protected[rule.line - 1]
        # `.env` / `.env.*` name a file: not `.env.example` (a template) and not the files
        # inside a directory that happens to be called `.env` (a virtualenv, judged by the caller).
        if hit.kind == "env" and not policy.is_env_file(path):
            return None, False
        return hit, False

    def is_venv(self, folder: str) -> bool:
        """Whether folder (repo-relative) is a virtualenv: its pyvenv.cfg is in the index or on disk."""
        if self.venv_loader is not None:
            self.venv_dirs |= self.venv_loader()
            self.venv_loader = None
        if folder in self.venv_dirs:
            return True
        cfg_file = os.path.join(self.top or ".", folder, "pyvenv.cfg")
        try:
            if os.path.islink(cfg_file) or not os.path.isfile(cfg_file):
                return False
            with open(cfg_file, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            return False
        return _VENV_HOME.search(head) is not None

    def classify(self, path: str, data: bytes | None, added: set[int] | None = None) -> Verdict | None:
        """The verdict for one file, or None when it may be committed.

        data is None when the file is over max-file-size: a file that is a credential
        by name is still blocked, one whose content would decide is blocked too
        (fail closed), and any other file is let through with a warning by the caller.
        added limits a template's findings to the lines this commit adds.
        """
        hit = self.by_name(path)
        if hit is not None and not hit.by_content:
            return Verdict(path, hit.kind, "name", hit.why, hit.pattern)
        if data is None:
            if hit is not None:
                return Verdict(path, hit.kind, "content", f"{hit.why}; too large to check its content",
                               hit.pattern)  # fmt: skip
            return None
        keys = [f for f in self.key_scanner.scan(data, path).findings if _is_key_rule(f.rule_id)]
        keys.extend(keyfiles.putty_keys(data, path))
        if keys:
            why = "holds a private key" + (f" ({hit.why})" if hit else "")
            return Verdict(path, "private-key", "content", why, hit.pattern if hit else "", keys)
        structure = credfiles.detect(data)
        if structure is not None:
            kind, why = structure
            return Verdict(path, kind, "content", why, hit.pattern if hit else "")
        if hit is not None:
            secrets = keyfiles.npmrc_auth(data, path) + keyfiles.service_account_key(data, path)
            if secrets:
                return Verdict(path, hit.kind, "content", f"{hit.why}: the content holds the credential",
                               hit.pattern, secrets)  # fmt: skip
            return None
        if policy.is_env_template(path):
            from credgate.gate.scanning import touches

            result = self.scanner.scan(data, path)
            # Blocking findings only, as `credgate secrets` judges them: a notice (a weak dev default) passes.
            found = [f for f in result.findings if f.blocking and touches(f, added, False, result.kind)]
            if found:
                return Verdict(path, "template", "template-value", "env template with a real-looking value",
                               "", found)  # fmt: skip
        return None


def _is_key_rule(rule_id: str) -> bool:
    return rule_id.startswith(KEY_RULE_PREFIX) or rule_id in KEY_RULE_IDS


# ---------------------------------------------------------------- the gate


@dataclass
class Result:
    blocked: list[Verdict]
    stats: Stats
    scope: str


def check(
    paths: Sequence[str] = (),
    *,
    tracked: bool = False,
    cfg: config_mod.Config | None = None,
    classifier: Classifier | None = None,
    state: gitio.RepoState | None = None,
) -> Result:
    """Judge staged files (and with tracked=True every tracked file) without printing anything."""
    state = state or gitio.repo_state()
    top = state.toplevel
    cfg = cfg or config_mod.find(top)
    classifier = classifier or Classifier(cfg)
    classifier.top = top
    classifier.venv_loader = lambda: _venv_dirs(gitio.index_entries(cwd=top), top)
    stats = Stats()
    blocked: list[Verdict] = []
    seen: set[bytes] = set()

    rel_paths = [os.fsencode(os.path.relpath(os.path.abspath(p), top)) for p in paths]
    # The whole index, then the named paths: a pathspec would hide a rename's old side, and a
    # pure `git mv` would be judged as a new file under pre-commit but not as a plain hook.
    all_changes = [c for c in gitio.staged_changes(state.diff_base) if _under(c.path, rel_paths)]
    # Deletions (and conflicts, and submodules) are not judged: deleting .env.master is the fix.
    todo: list[tuple[bytes, str, str, set[int] | None]] = [
        # With --tracked the question is "is anything in the index a problem": whole files.
        (c.path, c.new_sha, c.status, None if tracked or c.status in ("A", "C") or c.all_added else c.added)
        for c in all_changes
        if c.scannable
    ]
    staged = {c.path for c in all_changes}
    seen.update(staged)

    if tracked:
        for entry in gitio.index_entries(cwd=top):
            if entry.path in seen or entry.mode == "160000" or not _under(entry.path, rel_paths):
                continue
            seen.add(entry.path)
            todo.append((entry.path, entry.sha, "tracked", None))

    kept = []
    for path, sha, status, added in todo:
        if cfg.is_excluded(os.fsdecode(path)):
            stats.excluded += 1
            continue
        kept.append((path, sha, status, added))
    blobs = gitio.read_blobs([sha for _, sha, _, _ in kept], cfg.max_file_size, cwd=top)
    for (path, _, status, added), blob in zip(kept, blobs):
        _judge(classifier, os.fsdecode(path), blob.data, blob.size, status, added, stats, blocked)

    # Named but neither staged nor already judged: pre-commit's --all-files / --files, or a
    # user's explicit list. Tracked files are judged as the index holds them, others from disk.
    named = [(given, rel) for given, rel in zip(paths, rel_paths) if rel not in seen]
    if named:
        index = {e.path: e for e in gitio.index_entries(cwd=top)}
        for given, rel in named:
            display = os.fsdecode(rel)
            if cfg.is_excluded(display):
                stats.excluded += 1
                continue
            seen.add(rel)
            known = index.get(rel)
            if known is not None:
                if known.mode == "160000":
                    continue
                (blob,) = list(gitio.read_blobs([known.sha], cfg.max_file_size, cwd=top))
                _judge(classifier, display, blob.data, blob.size, "tracked", None, stats, blocked)
                continue
            full = os.path.join(top, display)
            if not os.path.lexists(full):
                raise UsageError(f"{given}: no such file", "name files that exist, or run without arguments")
            if os.path.isdir(full) and not os.path.islink(full):
                continue
            from credgate.gate.scanning import read_disk

            data = read_disk(full, cfg.max_file_size, stats, display)  # records too-large and unreadable
            if display in stats.unreadable:
                continue
            stats.files += 1
            stats.bytes += len(data or b"")
            verdict = classifier.classify(display, data)
            if verdict is not None:
                verdict.status = "file"
                blocked.append(verdict)

    if stats.unreadable:
        raise InternalError(
            f"{len(stats.unreadable)} file(s) could not be read, so the check is incomplete",
            "check file permissions",
        )
    scope = "tracked files" if tracked else "staged files"
    blocked.sort(key=lambda v: v.path)
    return Result(blocked, stats, scope)


def _venv_dirs(entries: Iterable[gitio.IndexEntry], top: str) -> set[str]:
    """Directories whose pyvenv.cfg, as the index holds it, names its interpreter as a virtualenv's does."""
    cfgs = [e for e in entries if e.path.endswith(b"/pyvenv.cfg") and e.mode.startswith("100")]
    if not cfgs:
        return set()
    blobs = gitio.read_blobs([e.sha for e in cfgs], 64 * 1024, cwd=top)
    return {
        os.fsdecode(e.path[: -len(b"/pyvenv.cfg")])
        for e, blob in zip(cfgs, blobs)
        if blob.data is not None and _VENV_HOME.search(blob.data)
    }


def _under(path: bytes, roots: Sequence[bytes]) -> bool:
    if not roots:
        return True
    return any(r in (b".", b"") or path == r or path.startswith(r.rstrip(b"/") + b"/") for r in roots)


def _judge(
    classifier: Classifier,
    path: str,
    data: bytes | None,
    size: int,
    status: str,
    added: set[int] | None,
    stats: Stats,
    blocked: list[Verdict],
) -> None:
    stats.files += 1
    if data is None:
        stats.too_large.append((path, size))
    else:
        stats.bytes += len(data)
    verdict = classifier.classify(path, data, added)
    if verdict is not None:
        verdict.status = status
        blocked.append(verdict)


def matchable(path: str) -> str:
    """A name that was not UTF-8 (surrogate-escaped bytes) in a form the pattern matcher accepts."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def credential_file(path: str, classifier: Classifier, rule_ids: set[str] | None = None) -> bool:
    """A file the `credgate-files` gate blocks by name (.env.master, id_rsa, *.p12): the only kind that is
    untracked, gitignored, or removed whole from history. A name that is a credential only by content
    (`*.pem`, `.npmrc`) counts when what was found in it is a private key. Docs, source, rule files and
    tests are not: there the value is replaced and the file keeps its history.
    """
    from credgate.engine.credfiles import DETECTORS

    if any(r in DETECTORS for r in rule_ids or ()):
        return True  # a keystore, DER key or state file found by its structure: the whole file is the finding
    hit = classifier.by_name(matchable(path))
    if hit is None:
        return False
    if not hit.by_content:
        return True
    return any(r.startswith(KEY_RULE_PREFIX) or r in KEY_RULE_IDS for r in rule_ids or ())


def paths_of(f: Finding) -> list[str]:
    """Every path a history finding's secret appeared in (its own path for any other finding)."""
    paths = dict(f.extra).get("paths")
    return list(paths) if isinstance(paths, list) else [f.path]


def credential_files(findings: list[Finding], cfg: config_mod.Config) -> set[str]:
    """The paths among the findings (every path a secret appeared in) that are credential files."""
    classifier = Classifier(cfg)
    rules: dict[str, set[str]] = {}
    for f in findings:
        for p in paths_of(f):
            rules.setdefault(p, set()).add(f.rule_id)
    return {p for p, ids in rules.items() if credential_file(p, classifier, ids)}
