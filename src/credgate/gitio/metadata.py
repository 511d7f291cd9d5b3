"""Commit metadata for reports: who wrote a commit, when, and its subject.

Read with one `git log --no-walk`, not GitPython: GitPython decodes the author line before
it reads a commit's `encoding` header (a commit made with `i18n.commitEncoding=ISO-8859-1`
comes back as `Jos\ufffd`), and it cannot resolve a SHA-256 object id at all. git re-encodes
every field to UTF-8 itself (`i18n.logOutputEncoding` is pinned by run.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from credgate.errors import InternalError
from credgate.gitio.run import _LOG_PINNED, run

_FIELDS = 5


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author_name: str  # as recorded (no mailmap); undecodable bytes kept as surrogate escapes
    author_email: str
    authored: datetime  # in the author's own time zone
    subject: str  # git's %s: the message's first paragraph on one line


def commit_info(shas: Sequence[str], cwd: str | None = None) -> dict[str, CommitInfo]:
    """Author, author date and subject of each commit (full ids), keyed by id.

    A missing object, or one that is not a commit, is an error: a report must not name a
    commit it could not read.
    """
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = run(
        "log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%an%x00%ae%x00%aI%x00%s%x00", *_LOG_PINNED,
        "--", cwd=cwd, input="".join(f"{sha}\n" for sha in wanted).encode(),
    )  # fmt: skip
    fields = [f.lstrip(b"\n") for f in out.split(b"\0")]
    found = {}
    for i in range(0, len(fields) - _FIELDS + 1, _FIELDS):
        sha, name, email, when, subject = fields[i : i + _FIELDS]
        info = CommitInfo(
            sha.decode("ascii"),
            name.decode("utf-8", "surrogateescape"),
            email.decode("utf-8", "surrogateescape"),
            datetime.fromisoformat(when.decode("ascii")),
            subject.decode("utf-8", "surrogateescape"),
        )
        found[info.sha] = info
    missing = [sha for sha in wanted if sha not in found]
    if missing:
        raise InternalError(f"git log did not show {missing[0]} as a commit (a full commit id is expected)")
    return found
