"""Notebooks: every string is read (image payloads aside), and a finding points at its exact place, once."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import secret


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def _doc(cells: list[dict[str, Any]], metadata: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"cells": cells, "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5, **extra}


def _code(source: str, outputs: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    lines = source.splitlines(keepends=True)
    return {"cell_type": "code", "source": lines, "outputs": outputs or [], **extra}


def _where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of `needle` in the file."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


LAYOUTS = {"pretty": 1, "single-line": None}


def _dump(doc: dict[str, Any], layout: str) -> str:
    return json.dumps(doc, indent=LAYOUTS[layout])


def _findings(scanner: Scanner, text: str) -> list[tuple[str, int, int, bytes]]:
    found = scanner.scan(text.encode(), "analysis.ipynb").findings
    return [(f.rule_id, f.line, f.col, f.secret) for f in found]


def _token() -> str:
    return secret("%%github:ghp_%%")


def _cases(token: str) -> dict[str, dict[str, Any]]:
    """Notebooks hiding a token in each place issue 13 lists, and a few more."""
    ansi, reset = "\x1b[0;31m", "\x1b[0m"
    error = {"output_type": "error", "ename": "AuthenticationError", "traceback": []}
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{token}</text></svg>'
    return {
        "error evalue": _doc(
            [_code("stripe.Charge.create()\n", [{**error, "evalue": f"Invalid API Key provided: {token}"}])]
        ),
        "error traceback with ANSI codes": _doc(
            [_code("client.login()\n", [{**error, "evalue": "failed", "traceback": [
                f"{ansi}---------{reset}", f"{ansi}HTTPError{reset}: 401 for token {ansi}{token}{reset}"]}])]
        ),
        "cell metadata": _doc([_code("x = 1\n", metadata={"tags": ["setup"], "deploy": {"github": token}})]),
        "notebook metadata": _doc([_code("x = 1\n")], metadata={"kernelspec": {"name": "py3"}, "ci": token}),
        "text/latex output": _doc(
            [_code("show()\n", [{"output_type": "display_data", "metadata": {},
                                 "data": {"text/latex": [f"$\\texttt{{{token}}}$"]}}])]
        ),
        "application/javascript output": _doc(
            [_code("show()\n", [{"output_type": "display_data", "metadata": {},
                                 "data": {"application/javascript": f'window.token = "{token}";'}}])]
        ),
        "non-image attachment": _doc(
            [{"cell_type": "markdown", "source": ["see ![notes](attachment:notes.txt)\n"], "metadata": {},
              "attachments": {"notes.txt": {"text/plain": [f"token: {token}\n"]}}}]
        ),
        "unknown cell key": _doc([_code("x = 1\n", widget_state={"session": {"auth": [token]}})]),
        "unknown notebook key": _doc([_code("x = 1\n")], extension=token),
        "a key itself": _doc([_code("x = 1\n", metadata={token: {"seen": True}})]),
        "svg output": _doc(
            [_code("plot()\n", [{"output_type": "display_data", "metadata": {},
                                 "data": {"image/svg+xml": [svg]}}])]
        ),
    }  # fmt: skip


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("place", sorted(_cases("x")))
def test_a_token_anywhere_in_a_notebook_is_found_at_its_exact_place(
    scanner: Scanner, place: str, layout: str
) -> None:
    token = _token()
    text = _dump(_cases(token)[place], layout)
    assert text.count(token) == 1  # the token is written as it is, once
    assert _findings(scanner, text) == [("github-pat", *_where(text, token), token.encode())]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_token_in_code_and_in_its_output_is_reported_at_each_place(scanner: Scanner, layout: str) -> None:
    token = _token()
    doc = _doc(
        [
            {"cell_type": "markdown", "source": ["# Setup\n"], "metadata": {}},
            _code(f"import os\nTOKEN = '{token}'\nprint(TOKEN)\n",
                  [{"output_type": "stream", "name": "stdout", "text": [f"{token}\n"]}]),
        ],
        metadata={"note": "leaked twice"},
    )  # fmt: skip
    text = _dump(doc, layout)
    expected = [("github-pat", *_where(text, token, n), token.encode()) for n in range(2)]
    assert sorted(_findings(scanner, text)) == sorted(expected)
    notes = [f.note for f in scanner.scan(text.encode(), "nb.ipynb").findings]
    assert sorted(notes) == ["cell 2 (code), line 2", "cell 2 (output), line 1"]


def test_a_token_earlier_in_the_file_does_not_move_a_later_finding(scanner: Scanner) -> None:
    # Each finding maps through its own string: a copy of the same value higher up is not where it is.
    token = _token()
    doc = _doc([_code("x = 1\n"), _code(f"t = '{token}'\n")], metadata={"saved": f"t = '{token}'"})
    text = _dump(doc, "pretty")
    found = sorted(_findings(scanner, text))
    assert found == sorted(("github-pat", *_where(text, token, n), token.encode()) for n in range(2))


def test_escaped_characters_are_decoded_and_mapped_back(scanner: Scanner) -> None:
    token = _token()
    escaped = "\\u00" + format(ord(token[0]), "02x") + token[1:]  # `\u0067hp_...`: not the token as written
    text = (
        '{\n "cells": [\n  {\n   "cell_type": "code",\n   "metadata": {},\n   "outputs": [],\n'
        '   "source": [\n    "x = \\"quoted\\"\\n",\n    "token = \\"' + escaped + '\\"\\n"\n   ]\n'
        '  }\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n'
    )
    assert json.loads(text)["cells"][0]["source"][1] == f'token = "{token}"\n'
    assert token not in text
    assert _findings(scanner, text) == [("github-pat", *_where(text, escaped), token.encode())]


def test_image_payloads_are_not_read(scanner: Scanner) -> None:
    token = _token()
    payload = base64.b64encode(f"PNG pretend {token} pretend".encode()).decode()
    doc = _doc(
        [_code("plot()\n", [{"output_type": "display_data", "metadata": {"image/png": {"width": 10}},
                             "data": {"image/png": payload, "image/jpeg": [payload],
                                      "text/plain": ["<Figure>"]}}]),
         {"cell_type": "markdown", "source": ["![x](attachment:x.png)\n"], "metadata": {},
          "attachments": {"x.png": {"image/png": payload}}}]
    )  # fmt: skip
    assert scanner.scan(_dump(doc, "pretty").encode(), "plots.ipynb").findings == []
    # The same payload as text is decoded and read: only the image position is skipped.
    doc["cells"][0]["outputs"][0]["data"]["text/plain"] = [payload]
    assert len(scanner.scan(_dump(doc, "pretty").encode(), "plots.ipynb").findings) == 1


def test_context_rules_see_names_in_metadata(scanner: Scanner) -> None:
    value = secret("%%rand:alnum:20%%%%rand:digit:2%%")
    doc = _doc([_code("x = 1\n", metadata={"connection": {"api_key": value}})])
    text = _dump(doc, "pretty")
    found = scanner.scan(text.encode(), "nb.ipynb").findings
    assert [(f.line, f.col) for f in found] == [_where(text, value)]
    assert found[0].note.startswith("cell 1 (metadata)")


def test_a_multi_line_key_in_a_cell_spans_its_lines(scanner: Scanner) -> None:
    key = secret("%%pem:RSA_PRIVATE_KEY%%")
    doc = _doc([_code(f"KEY = '''{key}'''\n")])
    text = _dump(doc, "pretty")
    [finding] = scanner.scan(text.encode(), "nb.ipynb").findings
    first_line = key.splitlines()[0]
    assert (finding.line, finding.col) == _where(text, first_line)
    assert finding.end_line == _where(text, key.splitlines()[-1])[0]
