"""The one place that talks to git, a module per concern.

- run: the runner (pinned settings, NUL-separated output, errors)
- repo: repository layout and config as git resolves them (toplevel, git directory, hooks, worktrees)
- diff: raw entries and zero-context patches read into changes with their added lines
- index: the index (staged changes, tracked files, grep)
- objects: objects by id through `git cat-file --batch` (blobs whole, skipped or streamed; trees)
- log: streaming `git log` with patches, a commit at a time
- history: what commits add, when paths came and went
- ranges: revisions, refs, ancestry, upstreams, renames
- ignore_sources: every file of ignore rules git reads, and `git check-ignore`
- metadata: author, date and subject of commits, for reports
- rewrite: backups, reflogs and git-filter-repo for a history rewrite

Callers use `from credgate import gitio` and `gitio.func(...)`: every public name is here.
"""

from __future__ import annotations

from credgate import _lazy
from credgate.gitio.diff import ZERO_SHA_CHARS, Change, attach_added_lines, parse_raw
from credgate.gitio.ignore_sources import (
    IgnoreSource,
    check_ignore,
    committed_gitignores,
    ignore_sources,
    shared_ignore_sources,
)
from credgate.gitio.index import (
    IndexEntry,
    grep_cached,
    index_entries,
    list_files,
    list_files_below,
    staged_changes,
    staged_changes_lean,
    staged_raw,
    work_tree_dirty,
)
from credgate.gitio.objects import (
    Blob,
    BlobReader,
    BlobStream,
    blob_at,
    blob_text,
    committed_entries,
    file_at,
    head_tree,
    object_header,
    object_message,
    peeled_tree,
    read_blob_streams,
    read_blobs,
    tree_blobs,
    tree_paths,
)
from credgate.gitio.ranges import (
    commit_exists,
    first_commit_adding,
    is_ancestor,
    merge_base,
    ref_objects,
    refs,
    refs_containing,
    refs_matching,
    remote_names,
    remote_tracking_patterns,
    renames_between,
    renames_in,
    resolve_commit,
    rev_list,
    rewritable_refs,
    shallow_commits,
    symbolic_ref,
    upstream_commit,
    work_tree_renames,
)
from credgate.gitio.repo import (
    EMPTY_TREE,
    Layout,
    RepoState,
    config_path_value,
    config_value,
    git_path,
    hooks_dir,
    layout,
    operation_in_progress,
    repo_state,
    toplevel,
)
from credgate.gitio.run import GitCommandError, git_cmd, run

# What the commit hook does not use (history walks, `git log`, commit metadata, history rewrites) is
# imported on first use: statically for mypy, through credgate._lazy at run time.
TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from credgate.gitio.history import (
        LargeAdds,
        PathHistory,
        commit_additions,
        commits_adding,
        iter_commits,
        large_additions,
        large_blobs,
        path_blobs,
        path_history,
    )
    from credgate.gitio.log import SECTION_LIMIT, Commit
    from credgate.gitio.metadata import CommitInfo, commit_info
    from credgate.gitio.rewrite import (
        backup_refs,
        bundle_all,
        expire_reflogs,
        filter_repo_exe,
        filter_repo_works,
        reflog_exists,
        run_filter_repo,
    )
else:
    __getattr__ = _lazy.exports(
        __name__,
        globals(),
        {
            "history": (
                "LargeAdds",
                "PathHistory",
                "commit_additions",
                "commits_adding",
                "iter_commits",
                "large_additions",
                "large_blobs",
                "path_blobs",
                "path_history",
            ),
            "log": (
                "SECTION_LIMIT",
                "Commit",
            ),
            "metadata": (
                "CommitInfo",
                "commit_info",
            ),
            "rewrite": (
                "backup_refs",
                "bundle_all",
                "expire_reflogs",
                "filter_repo_exe",
                "filter_repo_works",
                "reflog_exists",
                "run_filter_repo",
            ),
        },
    )

__all__ = [
    "CommitInfo",
    "commit_info",
    "Blob",
    "LargeAdds",
    "BlobReader",
    "BlobStream",
    "Change",
    "Commit",
    "EMPTY_TREE",
    "GitCommandError",
    "IgnoreSource",
    "IndexEntry",
    "Layout",
    "PathHistory",
    "RepoState",
    "SECTION_LIMIT",
    "ZERO_SHA_CHARS",
    "attach_added_lines",
    "backup_refs",
    "blob_at",
    "blob_text",
    "bundle_all",
    "check_ignore",
    "commit_additions",
    "commit_exists",
    "commits_adding",
    "committed_entries",
    "committed_gitignores",
    "config_path_value",
    "config_value",
    "expire_reflogs",
    "file_at",
    "filter_repo_exe",
    "filter_repo_works",
    "first_commit_adding",
    "git_cmd",
    "git_path",
    "grep_cached",
    "head_tree",
    "hooks_dir",
    "ignore_sources",
    "index_entries",
    "is_ancestor",
    "iter_commits",
    "large_additions",
    "large_blobs",
    "layout",
    "list_files",
    "list_files_below",
    "merge_base",
    "object_header",
    "object_message",
    "operation_in_progress",
    "parse_raw",
    "path_blobs",
    "path_history",
    "peeled_tree",
    "read_blob_streams",
    "read_blobs",
    "ref_objects",
    "reflog_exists",
    "refs",
    "refs_containing",
    "refs_matching",
    "remote_names",
    "remote_tracking_patterns",
    "renames_between",
    "renames_in",
    "repo_state",
    "resolve_commit",
    "rev_list",
    "rewritable_refs",
    "run",
    "run_filter_repo",
    "shallow_commits",
    "shared_ignore_sources",
    "staged_changes",
    "staged_changes_lean",
    "staged_raw",
    "symbolic_ref",
    "toplevel",
    "tree_blobs",
    "tree_paths",
    "upstream_commit",
    "work_tree_dirty",
    "work_tree_renames",
]
