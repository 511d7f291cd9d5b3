"""Hook `credgate-files` / `credgate files`: block credential files, whatever .gitignore says.

`.gitignore` only stops `git add .`; `git add -f .env.master` walks straight past
it, and a pattern that misses `.env.*` lets the file in silently. This gate judges
the file itself, as the index holds it:

- by name: the protected list of `credgate.policy` (`.env.*`, keystores, cloud
  credential files...), adjusted by `protect` / `unprotect` in `.credgate.toml`;
- by content: any file holding a private key block is blocked whatever its name,
  and names that are only sometimes secret (`*.pem`, `.npmrc`, service-account
  JSON) are blocked only when their content carries the secret;
- templates (`.env.example`...) are allowed, but their values are scanned: a real
  value in a template is as exposed as one in `.env`.

Deletions always pass: `git rm --cached .env.master` is the fix, not a leak.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, TextIO

import click

from credgate import __version__, gitio, policy
from credgate import config as config_mod
from credgate.commands._common import PathsCommand, build_scanner, read_disk, touches
from credgate.engine import credfiles
from credgate.engine.finding import Finding
from credgate.engine.rules import RuleSet
from credgate.engine.scanner import Scanner
from credgate.errors import CLEAN, FINDINGS, InternalError, UsageError
from credgate.report import Stats, gitignore_fix_command, safe, warnings

# Engine rules whose finding means "this file holds a private key" (the whole key is the match).
KEY_RULE_PREFIX = "private-key"
KEY_RULE_IDS = frozenset({"gcp-service-account-key"})
NPM_AUTH_KEYS = frozenset({"_authToken", "_auth", "_password"})
_GITIGNORE_SPECIAL = re.compile(r"[*?\[\]\\!#\s]")
# A run this long of base64 characters is key material, not a placeholder like "..." or "${KEY}".
_KEY_MATERIAL = re.compile(rb"[A-Za-z0-9+/=]{40,}")
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

    def fix_steps(self) -> list[str]:
        quoted = shlex.quote(safe(self.path))
        if self.reason == "template-value":
            return [
                "Replace the real value with a placeholder (your-key-here, ${VAR}), "
                f"then re-stage it: git add -- {quoted}",
                "Rotate the credential: it was written into a file meant to be shared.",
            ]
        if self.status == "file":  # named on the command line, not in the index: nothing to unstage
            steps = [f"Do not add it: {quoted} is not tracked, keep it that way"]
        else:
            steps = [f"Unstage it (the file stays on disk): git rm --cached -- {quoted}"]
        line = self.ignore_line
        if self.pattern and line:
            steps.append(
                f"Keep it out for good: add `{safe(line)}` to .gitignore "
                f"(`{gitignore_fix_command()}` adds every standard line)"
            )
        else:
            # Named by content only: no standard pattern covers it, so the key has to move.
            where = f"add `{safe(line)}` to .gitignore" if line else "add it to .gitignore"
            steps.append(f"Keep the key out of the repository (a secret store, ~/.ssh), or {where}")
        if self.status in ("A", "file"):
            steps.append(
                "Rotate what it holds if it was ever pushed, shared or committed elsewhere; "
                "if it never left this machine, unstaging is enough."
            )
        else:
            steps.append(
                "It is already in this repository's history: rotate every credential in it now, then purge "
                f"it (`credgate audit` shows where; git filter-repo --invert-paths --path {quoted})."
            )
        return steps


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
        keys.extend(_putty_keys(data, path))
        if keys:
            why = "holds a private key" + (f" ({hit.why})" if hit else "")
            return Verdict(path, "private-key", "content", why, hit.pattern if hit else "", keys)
        structure = credfiles.detect(data)
        if structure is not None:
            kind, why = structure
            return Verdict(path, kind, "content", why, hit.pattern if hit else "")
        if hit is not None:
            secrets = _npmrc_auth(data, path) + _json_private_key(data, path)
            if secrets:
                return Verdict(path, hit.kind, "content", f"{hit.why}: the content holds the credential",
                               hit.pattern, secrets)  # fmt: skip
            return None
        if policy.is_env_template(path):
            result = self.scanner.scan(data, path)
            # Blocking findings only, as `credgate secrets` judges them: a notice (a weak dev default) passes.
            found = [f for f in result.findings if f.blocking and touches(f, added, False, result.kind)]
            if found:
                return Verdict(path, "template", "template-value", "env template with a real-looking value",
                               "", found)  # fmt: skip
        return None


def _is_key_rule(rule_id: str) -> bool:
    return rule_id.startswith(KEY_RULE_PREFIX) or rule_id in KEY_RULE_IDS


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _finding(
    path: str, data: bytes, offset: int, secret: bytes, rule_id: str, name: str, hint: str
) -> Finding:
    line, col = _position(data, offset)
    return Finding(rule_id, name, "critical", "high", path, line, col, line, hint, "", secret=secret)


def _putty_keys(data: bytes, path: str) -> list[Finding]:
    """PuTTY .ppk files (v2 and v3): a header line, then `Private-Lines: N` and the key."""
    start = data.find(b"PuTTY-User-Key-File-")
    if start == -1:
        return []
    private = data.find(b"Private-Lines:", start)
    if private == -1:
        return []
    body = data[private : private + 4096].split(b"\n", 1)[-1]
    if not _KEY_MATERIAL.search(body):
        return []  # a documentation snippet with the body elided
    hint = "Remove the public half from every authorized_keys, then generate a new key pair."
    return [
        _finding(path, data, start, body.split(b"\n", 1)[0], "private-key-putty", "PuTTY private key", hint)
    ]


def _npmrc_auth(data: bytes, path: str) -> list[Finding]:
    """`_authToken`, `_auth` or `_password` with a literal value; `${NPM_TOKEN}` is how it should look."""
    if posixpath.basename(path) != ".npmrc":
        return []
    out = []
    offset = 0
    for raw in data.split(b"\n"):
        line = raw.strip()
        key, sep, value = line.partition(b"=")
        name = key.strip().rsplit(b":", 1)[-1].decode("utf-8", "replace")
        value = value.strip().strip(b"\"'")
        if (
            sep
            and name in NPM_AUTH_KEYS
            and value
            and b"${" not in value
            and not line.startswith((b"#", b";"))
        ):
            at = offset + raw.find(value)
            out.append(_finding(path, data, at, value, "npmrc-auth", f"npm {name} in .npmrc",
                                "Revoke the token at npmjs.com (or your registry), then reference it as "
                                "${NPM_TOKEN} in .npmrc and set the variable in CI."))  # fmt: skip
        offset += len(raw) + 1
    return out


def _json_private_key(data: bytes, path: str) -> list[Finding]:
    """A service-account JSON whose "private_key" holds key material (not "" or "${...}")."""
    if not path.endswith(".json") or b'"private_key"' not in data:
        return []
    values: list[str] = []
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        value = doc.get("private_key")
        if isinstance(value, str):
            values.append(value)
    else:
        # Not valid JSON (a truncated or templated file): look at the text after the key.
        at = data.find(b'"private_key"')
        values.append(data[at + len(b'"private_key"') : at + 8192].decode("utf-8", "replace"))
    for value in values:
        material = _KEY_MATERIAL.search(value.replace("\\n", "\n").encode("utf-8", "replace"))
        if material:
            at = data.find(b'"private_key"')
            return [_finding(path, data, at, material.group(0), "service-account-private-key",
                             "service-account private key",
                             "Delete the key (gcloud iam service-accounts keys delete KEY_ID) and create a "
                             "new one only if keyless auth cannot be used.")]  # fmt: skip
    return []


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


# ---------------------------------------------------------------- output


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "path": safe(v.path),
        "status": v.status,
        "kind": v.kind,
        "reason": v.reason,
        "why": v.why,
        "pattern": v.pattern,
        "ignore_line": safe(v.ignore_line),
        "findings": [
            {
                "line": f.line,
                "col": f.col,
                "rule": f.rule_id,
                "rule_name": f.rule_name,
                "secret": f.redacted(),
            }
            for f in v.findings
        ],
        "fix": v.fix_steps(),
    }


def describe(v: Verdict) -> str:
    text = f"{safe(v.path)}  {v.kind}: {safe(v.why)}"
    if v.pattern and v.reason == "name":
        text += f"  (matches `{safe(v.pattern)}`)"
    return text


def write_verdicts(blocked: Iterable[Verdict], out: TextIO, indent: str = "  ") -> None:
    for v in blocked:
        print(f"{indent}{describe(v)}", file=out)
        for f in v.findings:
            print(f"{indent}    line {f.line}:{f.col}  {f.rule_id}  {f.redacted()}", file=out)


def run(
    paths: Sequence[str] = (),
    *,
    tracked: bool = False,
    fmt: str = "text",
    verbose: bool = False,
    config_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    state = gitio.repo_state()
    cfg = config_mod.find(state.toplevel, config_path)
    result = check(paths, tracked=tracked, cfg=cfg, state=state)
    rc = FINDINGS if result.blocked else CLEAN
    report_stats = result.stats
    warns = _warnings(report_stats, cfg.max_file_size)
    for line in warns:
        print(line, file=err)
    if fmt == "json":
        doc = {
            "tool": "credgate",
            "version": __version__,
            "command": "files",
            "scope": result.scope,
            "exit_code": rc,
            "blocked": [verdict_json(v) for v in result.blocked],
            "stats": {
                "files": report_stats.files,
                "bytes": report_stats.bytes,
                "excluded": report_stats.excluded,
                "too_large": [{"path": safe(p), "size": n} for p, n in report_stats.too_large],
            },
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False), file=out)
        return rc
    if result.blocked:
        n = len(result.blocked)
        print(f"credgate: {n} credential file{'s' * (n != 1)} in {result.scope}\n", file=out)
        write_verdicts(result.blocked, out)
        print("\nHow to fix:", file=out)
        for v in result.blocked:
            print(f"  {safe(v.path)}", file=out)
            for i, step in enumerate(v.fix_steps(), 1):
                print(f"    {i}. {step}", file=out)
    if verbose:
        s = report_stats
        summary = f"credgate: checked {s.files} file{'s' * (s.files != 1)} ({s.bytes} B) in {result.scope}"
        if s.excluded:
            summary += f"; {s.excluded} excluded by config"
        print(summary, file=err)
    return rc


def _warnings(stats: Stats, max_size: int) -> list[str]:
    from credgate.report import Report

    # The shared wording, so a file too large to read is reported the same by every gate.
    return warnings(Report("files", [], stats, max_size=max_size))


@click.command("files", cls=PathsCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--tracked", is_flag=True, help="Also check every tracked file, not only staged ones (for CI).")
# Not scan_options: a verdict on a whole file has no line to put in SARIF, JUnit or an annotation.
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Say how many files were checked.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file to use instead of .credgate.toml at the repository root.",
)
@click.pass_context
def command(
    ctx: click.Context,
    paths: tuple[str, ...],
    tracked: bool,
    fmt: str,
    verbose: bool,
    config_path: str | None,
) -> None:
    """Block staged files that are credentials by name or content (.env.*, keys, keystores).

    Judges the index, so `git add -f` past .gitignore is caught. Deletions always pass.
    """
    ctx.exit(run(paths, tracked=tracked, fmt=fmt, verbose=verbose, config_path=config_path))
