"""Location: where the file is says what its values are: test fixtures, doctest transcripts, example and
template files, sample hashes.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import dotenv, linear
from credgate.engine.filters.entry import GENERIC, Candidate, Example, Filter, Scope
from credgate.engine.filters.text import WORDS_RE

_lazy = linear.compile


_TEST_PATH_RE = _lazy(
    rb"(?:^|/)(?:tests?|__tests__|specs?|fixtures?|testdata|test-data|mocks?|__mocks__)/"
    rb"|(?:^|/)test_[^/]*$|[_-]tests?\.[^/]+$|\.(?:test|spec)\.[^/]+$|(?:Test|Tests|Spec)\.[A-Za-z]+$"
    rb"|(?:^|/)tests?(?:-[^/]*)?\.[^/]+$"  # `tests.py`, `test.js`, `tests-cookbook.py` (and their .pyc)
)


def in_a_test_path(c: Candidate) -> bool:
    """`tests/test_auth.py`, `client.spec.ts`, `testdata/`: fixtures hold made-up credentials."""
    return _TEST_PATH_RE.search(c.path) is not None


_SAMPLE_WORD_RE = _lazy(rb"(?i)(?:^|[^A-Za-z0-9])(?:samples?|examples?|tests?|dummy)(?:[^A-Za-z0-9]|$)")


def is_sample_hash(c: Candidate) -> bool:
    """`# sample hash:` above a bcrypt string, `verify("test", "$1$test$...")`: a hash shown as an example
    or a self-test of a hashing routine, said so on its own line or the line above."""
    return _SAMPLE_WORD_RE.search(c.line) is not None or _SAMPLE_WORD_RE.search(c.prev_line) is not None


_DOCTEST_LOOKBACK = 40  # lines; a transcript's output is rarely longer, and the walk stays bounded
_DOCTEST_LOOKBACK_BYTES = 16_384


def is_doctest_example(c: Candidate) -> bool:
    """`>>> client_secret = 'secret'` and the output printed under it: a REPL transcript in a docstring or
    a README shows what a call looks like, and its values are typed for the reader.

    A transcript block runs from a `>>>` prompt to the next blank line, as in Python's doctest. Only
    context rules and password hashes step back: a provider token pasted into a transcript is still live.
    """
    if not c.data:
        return False
    end = c.offset
    floor = max(0, c.offset - _DOCTEST_LOOKBACK_BYTES)  # searching back over a 1 MB line per match: quadratic
    for _ in range(_DOCTEST_LOOKBACK):
        start = c.data.rfind(b"\n", floor, end) + 1
        if start == 0 and floor > 0:
            return False  # no prompt within reach
        text = c.data[start:end].strip()
        if text.startswith(b">>>"):
            return True
        if not text and end != c.offset:
            return False  # a blank line ends the transcript block
        if start == 0:
            return False
        end = start - 1
    return False


_EXAMPLE_FILE_RE = _lazy(rb"(?i)(?:^|[._-])(?:examples?|samples?|templates?|dist|defaults)(?:[._-]|$)")


def is_example_file(c: Candidate) -> bool:
    """`.env.example`, `examples-1.json`, `config.sample.yaml`: a file named as holding example values.

    Only context rules step back here. A provider token with its own prefix is still
    reported in such a file, because pasting a real key into a template is a classic leak.
    """
    name = c.path.rsplit("/", 1)[-1].encode("utf-8", "surrogateescape")
    if _EXAMPLE_FILE_RE.search(name) is None:
        return False
    if dotenv.is_dotenv_template(c.path):
        # A dotenv template's job is to hold placeholders, which the value filters recognise: only a value
        # made of words (`postgres`, `replace_with_a_random_string`) steps back here. A generated-looking
        # one is the classic `cp .env.production .env.example`, and blocks.
        return WORDS_RE.match(c.secret.strip(b"\"'")) is not None
    return True


IN_TEST_FILE = Filter(
    name="in-test-file",
    test=in_a_test_path,
    scope=Scope(in_tests="notice"),
    verdict="notice",
    notice="in a test file, where fixtures hold sample values (provider tokens there still block)",
    summary="In a test path (`tests/`, `test_*.py`, `*.spec.ts`, `testdata/`...), where fixtures "
    'hold made-up credentials. Only rules that say `in_tests = "notice"` step back, and only to a notice: '
    "context rules, private keys, keystores. A provider token in a test still blocks. When a filter "
    "before it was given way to a notice, that notice is the verdict.",
    positives=(
        Example('password = "%%rand:alnum:14%%"', "tests/test_login.py", "generic-password-assignment"),
    ),
    negatives=(Example("token = '%%github:ghp_%%'", "tests/test_login.py", "github-pat"),),
    settles=True,
)

TEST_VECTOR = Filter(
    name="test-vector",
    test=in_a_test_path,
    scope=Scope(in_tests="skip"),
    summary='A password hash in a test path (rules that say `in_tests = "skip"`): one of the hundreds of '
    "sample hashes that check a hashing library.",
    positives=(Example('HASH = "$2b$12$%%rand:alnum:53%%"', "tests/test_hashes.py", "password-hash-bcrypt"),),
    negatives=(Example('HASH = "$2b$12$%%rand:alnum:53%%"', "deploy/users.py", "password-hash-bcrypt"),),
)

SAMPLE_HASH = Filter(
    name="sample-hash",
    test=is_sample_hash,
    scope=Scope(in_tests="skip"),
    summary="A password hash said to be a sample on its own line or the line above (`# sample hash:`, "
    '`verify("test", "$1$test$...")`).',
    positives=(
        Example("# sample hash:\nadmin:$2y$10$%%rand:alnum:53%%", "docs/auth.txt", "password-hash-bcrypt"),
    ),
    negatives=(Example("admin:$2y$10$%%rand:alnum:53%%", "deploy/htpasswd", "password-hash-bcrypt"),),
)

DOCTEST_EXAMPLE = Filter(
    name="doctest-example",
    test=is_doctest_example,
    # Context rules and password hashes: a hash printed under `>>> ph.hash("...")` is the README's output.
    scope=Scope(generic=True, in_tests="skip"),
    summary="A REPL transcript (`>>> client_secret = 'secret'` and the output printed under it, up to the "
    "next blank line) in a docstring or a README: its values are typed for the reader. A provider token "
    "pasted into a transcript is still live.",
    positives=(
        Example(">>> client_secret = '%%rand:alnum:12%%'", "README.md", "generic-password-assignment"),
    ),
    negatives=(Example(">>> gh = Github('%%github:ghp_%%')", "README.md", "github-pat"),),
)

EXAMPLE_FILE = Filter(
    name="example-file",
    test=is_example_file,
    scope=GENERIC,
    summary="A file named as holding example values (`config.sample.yaml`, `examples-1.json`). In a dotenv "
    "template (`.env.example`) only a value made of words steps back: a generated-looking one is the "
    "classic `cp .env.production .env.example`, and blocks.",
    positives=(
        Example("password: Zq8vPf3kLm2N", "config.sample.yaml", "generic-password-assignment"),
        Example("DB_PASSWORD=postgres", ".env.example", "generic-password-assignment"),
    ),
    negatives=(Example("DB_PASSWORD=%%rand:alnum:20%%", ".env.example", "generic-token-assignment"),),
)

SAMPLE_IN_TEST_FILE = Filter(
    name="sample-in-test-file",
    test=in_a_test_path,
    scope=Scope(in_tests="notice"),
    summary="A weak password or a made-up value in a test path: a fixture's sample, which a notice would "
    "only repeat once per test. The weak password a deployment really uses lives outside its tests.",
    positives=(Example('password = "hunter2"', "tests/test_db.py", "generic-password-assignment"),),
    negatives=(Example('password = "hunter2"', "deploy/db.py", "generic-password-assignment"),),
    chained=False,
    after=("weak-password", "repeated-or-sequential"),
)


def is_in_test_file(c: Candidate) -> bool:
    """The in-test-file filter with its scope, for callers outside the registry (credfiles.py)."""
    return IN_TEST_FILE.applies(c)


def is_test_vector(c: Candidate) -> bool:
    """The test-vector filter with its scope, for callers outside the registry (credfiles.py)."""
    return TEST_VECTOR.applies(c)
