"""The staged gate on notebooks: a key in an error output blocks, at the notebook's own line."""

from __future__ import annotations

import io
import json
from typing import Any

from credgate.commands import secrets
from credgate.commands._options import Options
from tests.conftest import Repo, secret


def _notebook(cells: list[dict[str, Any]]) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _cell(source: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": [source], "outputs": outputs}


def test_a_key_echoed_in_an_error_output_blocks_at_its_line(repo: Repo) -> None:
    cells = [_cell("import stripe\n", [])]
    repo.stage("charge.ipynb", _notebook(cells))
    repo.commit()
    token = secret("%%github:ghp_%%")
    error = {"output_type": "error", "ename": "AuthenticationError", "traceback": ["\x1b[0;31mError\x1b[0m"],
             "evalue": f"Invalid API Key provided: {token}"}  # fmt: skip
    cells.append(_cell("stripe.Charge.create(amount=100)\n", [error]))
    text = _notebook(cells)
    repo.stage("charge.ipynb", text)
    out = io.StringIO()
    assert secrets.run((), opts=Options(out=out, err=io.StringIO())) == 1
    line = text[: text.index(token)].count("\n") + 1
    assert f"charge.ipynb:{line}:" in out.getvalue()
    assert "cell 2 (output), line 1" in out.getvalue()
    assert token not in out.getvalue()


def test_an_old_output_does_not_block_an_unrelated_edit(repo: Repo) -> None:
    # The added-line check needs exact lines: a secret already committed in an output, with a new cell
    # added above it, is not on a line this commit adds.
    token = secret("%%github:ghp_%%")
    leak = {"output_type": "stream", "name": "stdout", "text": [f"token {token}\n"]}
    cells = [_cell("print(TOKEN)\n", [leak])]
    repo.stage("old.ipynb", _notebook(cells))
    repo.commit()
    cells.insert(0, _cell("x = 1\n", []))
    repo.stage("old.ipynb", _notebook(cells))
    assert secrets.run((), opts=Options(out=io.StringIO(), err=io.StringIO())) == 0


def test_the_same_token_added_again_lower_down_blocks_at_the_new_line(repo: Repo) -> None:
    # Locating a finding by searching the file for its value found the old copy, on a line this commit
    # does not add, and the gate passed.
    token = secret("%%github:ghp_%%")
    leak = {"output_type": "stream", "name": "stdout", "text": [f"token {token}\n"]}
    cells = [_cell("print(TOKEN)\n", [leak])]
    repo.stage("old.ipynb", _notebook(cells))
    repo.commit()
    cells.append(_cell(f"TOKEN = '{token}'\n", []))
    text = _notebook(cells)
    repo.stage("old.ipynb", text)
    out = io.StringIO()
    assert secrets.run((), opts=Options(out=out, err=io.StringIO())) == 1
    line = text[: text.rindex(token)].count("\n") + 1
    assert f"old.ipynb:{line}:" in out.getvalue()
    assert "cell 2 (code), line 1" in out.getvalue()
