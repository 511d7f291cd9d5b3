"""gitio's patch parsing, against patches from real git."""

from __future__ import annotations

import random

from credgate import gitio
from credgate.gitio import diff
from tests.conftest import Repo


def _random_lines(rng: random.Random, n: int) -> list[bytes]:
    pool = [b"", b"x = 1", b"+plus first", b"-minus first", b"@@ not a header", b"\\ backslash", b"caf\xe9"]
    return [rng.choice(pool) if rng.random() < 0.3 else b"line %d" % rng.randrange(10**6) for _ in range(n)]


def _edit(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    out = list(lines)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        kind = rng.choice(("insert", "delete", "replace"))
        if kind != "insert":
            del out[at : at + rng.randint(1, 4)]
        if kind != "delete":
            out[at:at] = _random_lines(rng, rng.randint(1, 5))
    return out


def _content(lines: list[bytes], eol: bytes, final_newline: bool) -> bytes:
    return eol.join(lines) + (eol if final_newline and lines else b"")


def _staged_patch(repo: Repo) -> tuple[list[gitio.Change], bytes]:
    out = gitio.run(
        "diff-index", "--cached", "--raw", "-p", "-z", "-U0", "--inter-hunk-context=0", "--no-color",
        "--text", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/", "HEAD", "--", cwd=str(repo.path),
    )  # fmt: skip
    return gitio.parse_raw(out)


def test_added_blocks_are_exactly_the_new_lines_git_reports_as_added(repo: Repo) -> None:
    rng = random.Random(20261203)
    files = {}
    for i in range(60):
        lines = _random_lines(rng, rng.randint(0, 30))
        eol = b"\r\n" if i % 7 == 0 else b"\n"
        files[f"f{i}.txt"] = (lines, eol)
        repo.write(f"f{i}.txt", _content(lines, eol, final_newline=i % 5 != 0))
    repo.git("add", ".")
    repo.commit()
    new_content = {}
    for i, (name, (lines, eol)) in enumerate(files.items()):
        content = _content(_edit(rng, lines), eol, final_newline=i % 3 != 0)
        new_content[name.encode()] = content
        repo.write(name, content)
    repo.git("add", ".")

    changes, patch = _staged_patch(repo)
    gitio.attach_added_lines(changes, patch, keep_text=True)
    fast_path = 0
    for change, section in zip(changes, patch.split(b"\ndiff --git ")):
        new_lines = new_content[change.path].split(b"\n")
        for first, count, text in change.added_blocks:
            # The block's text is the new file's lines at those numbers.
            assert text.split(b"\n") == new_lines[first - 1 : first - 1 + count], change.path
        assert change.added == {
            n for first, count, _ in change.added_blocks for n in range(first, first + count)
        }
        # The slicing parser agrees with the line-by-line one, line for line.
        by_line = [
            (first + k, t) for first, _, text in change.added_blocks for k, t in enumerate(text.split(b"\n"))
        ]
        assert by_line == [(n, t) for n, _, t in diff._line_by_line_blocks(section)]
        fast_path += diff._zero_context_blocks(section, keep_text=True) is not None
    assert len(changes) == 60 and fast_path == 60


def test_a_patch_with_context_lines_falls_back_to_the_line_by_line_parser(repo: Repo) -> None:
    repo.stage("a.txt", "one\ntwo\nthree\nfour\n")
    repo.commit()
    repo.stage("a.txt", "one\nTWO\nthree\nfour\nfive\n")
    out = gitio.run("diff-index", "--cached", "--raw", "-p", "-z", "-U3", "HEAD", cwd=str(repo.path))
    changes, patch = gitio.parse_raw(out)
    assert diff._zero_context_blocks(patch, keep_text=True) is None
    gitio.attach_added_lines(changes, patch, keep_text=True)
    assert changes[0].added == {2, 5}
    assert [(f, t) for f, _, t in changes[0].added_blocks] == [(2, b"TWO"), (5, b"five")]
