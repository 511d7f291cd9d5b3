from __future__ import annotations

import pytest

from credgate.engine import filters
from credgate.engine.filters import Candidate
from credgate.engine.rules import load
from tests.conftest import secret


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load().by_id


def cand(rules, secret: bytes, rule: str = "generic-password-assignment", **kw):  # type: ignore[no-untyped-def]
    defaults = dict(line=b"", prev_line=b"", path="config.env", key=b"password", quoted=True)
    defaults.update(kw)
    return Candidate(rule=rules[rule], secret=secret, **defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("predicate", "secret", "expected"),
    [
        (filters.is_placeholder, b"your-api-key-here", True),
        (filters.is_placeholder, b"<TOKEN>", True),
        (filters.is_placeholder, b"xxxxxxxxxxxx", True),
        (filters.is_placeholder, b"changeme", True),
        (filters.is_placeholder, b"Zq8vPf3kLm2N", False),
        (filters.is_reference, b"${DB_PASSWORD}", True),
        (filters.is_reference, b"{{ secrets.TOKEN }}", True),
        (filters.is_reference, b"os.environ['X']", True),
        (filters.is_reference, b"hunter2x", False),
        (filters.is_vendor_example, b"AKIAIOSFODNN7EXAMPLE", True),
        (filters.is_vendor_example, secret("%%aws-key-id:AKIA%%").encode(), False),
        (filters.is_repeated_or_sequential, b"aaaaaaaaaaab", True),
        (filters.is_repeated_or_sequential, b"abcdefgh1234", True),
        (filters.is_repeated_or_sequential, b"k3Jd9sQ1vB7x", False),
        (filters.is_literal_constant, b"true", True),
        (filters.is_literal_constant, b"3600", True),
        (filters.is_literal_constant, b"s3cr3tvalue", False),
    ],
)
def test_value_predicates(rules, predicate, secret: bytes, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert predicate(cand(rules, secret)) is expected


def test_code_identifier_only_for_unquoted_values_in_code(rules) -> None:  # type: ignore[no-untyped-def]
    assert filters.is_code_identifier(cand(rules, b"user_password", quoted=False, path="app.py"))
    assert not filters.is_code_identifier(cand(rules, b"hunter2x", quoted=False, path="prod.env"))
    assert not filters.is_code_identifier(cand(rules, b"hunter2x", quoted=True, path="app.py"))


def test_non_secret_key_names(rules) -> None:  # type: ignore[no-untyped-def]
    assert filters.is_non_secret_key(cand(rules, b"/run/secrets/db", key=b"password_file"))
    assert filters.is_non_secret_key(cand(rules, b"https://x/token", key=b"TOKEN_URL"))
    assert not filters.is_non_secret_key(cand(rules, b"hunter2x", key=b"DB_PASSWORD"))


def test_inline_allow_is_rule_specific(rules) -> None:  # type: ignore[no-untyped-def]
    line = b"x = 1  # credgate:allow=github-pat"
    assert filters.is_inline_allowed(cand(rules, b"v", rule="github-pat", line=line))
    assert not filters.is_inline_allowed(cand(rules, b"v", rule="aws-access-key-id", line=line))


def test_entropy() -> None:
    assert filters.shannon_entropy(b"") == 0
    assert filters.shannon_entropy(b"aaaa") == 0
    assert filters.shannon_entropy(b"abcd") == pytest.approx(2.0)


def test_prose_words_only_count_in_config_files(rules) -> None:  # type: ignore[no-untyped-def]
    assert filters.is_prose_word(cand(rules, b"create", quoted=False, path="docs/guide.md"))
    assert not filters.is_prose_word(cand(rules, b"create", quoted=False, path=".env.production"))
    assert filters.is_prose_word(cand(rules, b"credgate/gitleaks", quoted=False, path="RESULTS.md"))
    assert not filters.is_prose_word(cand(rules, b"create2", quoted=False, path="docs/guide.md"))


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("credentials = '%s:%s' % (user, pw)", "net.py"),
        ("password = '{}'.format(pw)", "db.py"),
        ("sig = 'Credential=' + access_key + '/' + scope", "aws.py"),
        ('Token.Keyword: "bold"', "style.py"),
        ('Token.String.Escape: "#C46C6C"', "style.py"),
        ("'secret': 'will be replaced'", "docs.py"),
        ('token = " * [would prune] "', "remote.py"),
        ("os.environ.update(PWD='/tmp')", "env.py"),
        ("spwd: 3.0-3.12", "VERSIONS"),
        ('Token: "#ddd0c0"', "style.py"),
        ('      "output_token": "NextPageToken",', "ec2.paginators.json"),
        ("     *       pageToken: 'placeholder-value',", "v1.d.ts"),
        ('          "ClientRequestToken": "a8ca07e4-61ec-4399-99f4-198538000000",', "fsx.examples.json"),
        ('"client_secret": "provider-app-client-secret"', "cognito.d.ts"),
        ("  ENV_AUTH_TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN',", "remote_credentials.js"),
        ('const MODULE_REFERENCE_TOKEN = "__WEBPACK_MODULE_REFERENCE__";', "scope.js"),
        ('export type AuthTokenUpdateStatus = "SETTING"|"ROTATING"|string;', "elasticache.d.ts"),
        ('type RequestCredentials = "include" | "omit" | "same-origin";', "lib.dom.d.ts"),
        ('    "js-tokens": "^4.0.0",', "package.json"),
        ('"PasswordLastUsed": "2016-09-08T21:47:36Z",', "iam.examples.json"),
        ("const OIDC_SUBJECT_TOKEN_TYPE1 = 'urn:ietf:params:oauth:token-type:id_token';", "executable.js"),
        ('"id_token": "HEADER.PAYLOAD.SIGNATURE",', "README.md"),
        ("access_token: 'very-secret-token',", "README.md"),
        ('"IdToken": "minutes",', "cognito.examples.json"),
        ("const password = 'Password used to generate key';", "crypto.d.ts"),
        ("# pragma: allowlist nextline secret\nAPI_KEY = '" + "WillAlso" + "BeIgnored7'", "README.md"),
    ],
)
def test_generic_rule_ignores_code_that_only_looks_like_an_assignment(line: str, path: str) -> None:
    from credgate.engine.scanner import Scanner

    assert Scanner(load()).scan(line.encode() + b"\n", path).findings == []


@pytest.mark.parametrize(
    ("line", "path"),
    [
        # Built at run time, so this file holds no assignment the repository's own hook would flag.
        ("db.password = " + repr(secret("%%rand:alnum:10%%") + "&3"), "settings.py"),
        ("passphrase: " + '"' + " ".join(["correct", "horse", "battery", "staple"]) + '"', "vault.yml"),
        ("DB_PASSWORD=" + "hunter2x", ".env.production"),
        ("DB_PASSWORD=" + "postgres", ".env"),  # a weak default password is still a leak in a dotenv file
        ("config.auth.token = " + repr(secret("%%rand:alnum:13%%")), "app.js"),
    ],
)
def test_generic_rule_still_finds_real_assignments(line: str, path: str) -> None:
    from credgate.engine.scanner import Scanner

    ids = [f.rule_id for f in Scanner(load()).scan(line.encode() + b"\n", path).findings]
    assert ids == ["generic-password-assignment"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("git clone https://deploy:" + "Zq8vPf3kLm2N7x" + "@git.acme-corp.io/app.git", True),
        ("const options = new URL('http://abc:xyz@example.com');", False),
        ("https://user:pw1x@docs.example.org/a", False),
        ("'http://atpass:foo%40bar@127.0.0.1:8080/path'", False),
        ("Server=db.internal;Database=app;User Id=app;Password=" + "Zq8vPf3kLm2N;", True),
    ],
)
def test_credentials_in_urls_and_connection_strings(text: str, found: bool) -> None:
    from credgate.engine.scanner import Scanner

    assert bool(Scanner(load()).scan(text.encode() + b"\n", "config.txt").findings) is found
