"""Paths git's rename detection links, so an entry follows its file when it is moved."""

from __future__ import annotations

import os
from typing import Iterable

from credgate.baseline.store import Baseline, _norm


class Renames:
    """Paths git's rename detection links (a -> b -> c): an entry at any of them covers the others."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._parent: dict[str, str] = {}
        for old, new in pairs:
            self.link(old, new)

    def _find(self, p: str) -> str:
        while self._parent.get(p, p) != p:
            p = self._parent[p]
        return p

    def link(self, old: str, new: str) -> None:
        a, b = self._find(_norm(old)), self._find(_norm(new))
        if a != b:
            self._parent[a] = b
            self._parent.setdefault(b, b)

    def of(self, path: str) -> set[str]:
        path = _norm(path)
        if path not in self._parent:
            return {path}
        root = self._find(path)
        return {p for p in self._parent if self._find(p) == root} | {path}


def rename_links(
    baseline: Baseline,
    baseline_path: str | None,
    tip: str,
    root: str | None,
    extra: Iterable[tuple[str, str]] = (),
    work_tree: bool = False,
) -> Renames:
    """Paths git's rename detection links, for entries whose file is gone from where they say.

    Only renames since the baseline file was created matter (entries name the paths of their
    day), and only when some entry's path no longer exists, so the common run asks git nothing.
    Renames that merges bring in are seen in the merged branch's own commits.
    """
    from credgate import gitio

    pairs = list(extra)
    if not baseline.entries or not baseline_path:
        return Renames(pairs)
    if work_tree and root:
        orphans = any(not os.path.lexists(os.path.join(root, e.path)) for e in baseline.entries)
    else:
        present = gitio.tree_paths(tip, cwd=root)
        orphans = any(e.path not in present for e in baseline.entries)
    if not orphans:
        return Renames(pairs)
    rel = os.path.relpath(baseline_path, root) if root and os.path.isabs(baseline_path) else baseline_path
    created = (
        None if rel.startswith("..") else gitio.first_commit_adding(rel.replace(os.sep, "/"), tip, cwd=root)
    )
    if created:
        pairs += gitio.renames_between(created, tip, cwd=root)
    if work_tree:
        pairs += gitio.work_tree_renames(root)  # a `git mv` not yet committed
    return Renames(pairs)
