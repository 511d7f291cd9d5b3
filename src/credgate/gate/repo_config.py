"""The configuration a history command runs with: the work tree's, or in a bare or mirror clone (the
history-rewrite workflow) the one committed at HEAD, with the rule files and baseline it names."""

from __future__ import annotations

import os
import sys

from credgate import config as config_mod
from credgate import gitio
from credgate.errors import UsageError


def load_config(config_path: str | None) -> config_mod.Config:
    try:
        return config_mod.find(gitio.toplevel(), config_path)
    except UsageError:
        # A broken .credgate.toml in a work tree is an error (exit 2), never a silent default.
        if not gitio.commit_exists("HEAD") or gitio.layout().work_tree is not None:
            raise
        # A bare or mirror clone (the history-rewrite workflow): the configuration committed at HEAD.
        return config_mod.find(".", config_path) if config_path else committed_config()


def committed_config(cwd: str | None = None) -> config_mod.Config:
    """The `.credgate.toml` (and the rule files and baseline it names) committed at HEAD, for a
    repository with no work tree. They are copied into a private temporary directory for the run."""
    import atexit
    import posixpath
    import shutil
    import tempfile

    from credgate.baseline import BASELINE_NAME

    entries = gitio.committed_entries("HEAD", cwd)
    wanted = [config_mod.CONFIG_NAME, config_mod.PYPROJECT_NAME, BASELINE_NAME]
    for name in (config_mod.CONFIG_NAME, config_mod.PYPROJECT_NAME):
        if name in entries:
            (blob,) = gitio.read_blobs([entries[name][1]], 1 << 20, cwd)
            wanted += _named_files(blob.data or b"", pyproject=name == config_mod.PYPROJECT_NAME)
    present = [p for p in dict.fromkeys(wanted) if p in entries]
    if not present:
        return config_mod.Config()
    tmp = tempfile.mkdtemp(prefix="credgate-config-")
    atexit.register(shutil.rmtree, tmp, True)
    for path, blob in zip(present, gitio.read_blobs([entries[p][1] for p in present], 64 << 20, cwd)):
        target = os.path.join(tmp, *posixpath.normpath(path).split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(blob.data or b"")
    try:
        return config_mod.find(tmp)
    except UsageError as exc:
        raise UsageError(exc.message.replace(tmp + os.sep, "HEAD:"), exc.hint) from None


def _named_files(config: bytes, pyproject: bool = False) -> list[str]:
    """Repository paths a config names (`rules`, `baseline`); anything outside the tree is left out."""
    import posixpath

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(config.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return []  # config_mod.find reports it, with the fix
    if pyproject:
        tool = doc.get("tool")
        table = tool.get("credgate") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            return []
        doc = table
    names = list(doc.get("rules", [])) if isinstance(doc.get("rules"), list) else []
    if isinstance(doc.get("baseline"), str):
        names.append(doc["baseline"])
    out = []
    for name in names:
        norm = posixpath.normpath(str(name))
        if not norm.startswith(("/", "../")) and norm != "..":
            out.append(norm)
    return out
