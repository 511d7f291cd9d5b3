from __future__ import annotations

import pytest

from credgate.engine.filters import (
    Candidate,
    code,
    placeholders,
    prose,
    published,
    shapes,
)
from credgate.engine.rules import load
from tests.conftest import secret, token


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
        (placeholders.is_placeholder, b"your-api-key-here", True),
        (placeholders.is_placeholder, b"<TOKEN>", True),
        (placeholders.is_placeholder, b"xxxxxxxxxxxx", True),
        (placeholders.is_placeholder, b"changeme", True),
        (placeholders.is_placeholder, b"Zq8vPf3kLm2N", False),
        (code.is_reference, b"${DB_PASSWORD}", True),
        (code.is_reference, b"{{ secrets.TOKEN }}", True),
        (code.is_reference, b"os.environ['X']", True),
        (code.is_reference, b"hunter2x", False),
        (published.is_vendor_example, b"AKIAIOSFODNN7EXAMPLE", True),
        (published.is_vendor_example, secret("%%aws-key-id:AKIA%%").encode(), False),
        (placeholders.is_repeated_or_sequential, b"aaaaaaaaaaab", True),
        (placeholders.is_repeated_or_sequential, b"abcdefgh1234", True),
        (placeholders.is_repeated_or_sequential, b"k3Jd9sQ1vB7x", False),
        (placeholders.is_repeated_or_sequential, b"000102030405060708090A0B0C0D0E0F", True),
        (placeholders.is_repeated_or_sequential, b"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", True),
        (
            placeholders.is_repeated_or_sequential,
            b"c0f0e0d0c0b0a09080706050403020107",
            True,
        ),  # odd start, down
        (placeholders.is_repeated_or_sequential, b"8e1f0a0b0c0d0e0f1022c4d79f3b2a61", False),  # 7 in a row
        (published.is_vendor_example, b"2B7E151628AED2A6ABF7158809CF4F3C", True),
        (published.is_vendor_example, b"YWxhZGRpbjpvcGVuc2VzYW1l", True),  # RFC 7617's aladdin:opensesame
        (published.is_vendor_example, b"123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", True),  # Telegram's docs
        (published.is_vendor_example, b"2b7e151628aed2a6abf7158809cf4f3d", False),
        (shapes.is_literal_constant, b"true", True),
        (shapes.is_literal_constant, b"3600", True),
        (shapes.is_literal_constant, b"s3cr3tvalue", False),
    ],
)
def test_value_predicates(rules, predicate, secret: bytes, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert predicate(cand(rules, secret)) is expected


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
        # Letters and digits mixed: a 13-letter draw with no digit can read as a CamelCase name (is_key_echo).
        ("config.auth.token = " + repr(secret("%%rand:alnum:5%%%%rand:digit:2%%%%rand:alnum:6%%")), "app.js"),
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


def tok(rules, value: bytes, key: bytes = b"API_KEY", **kw):  # type: ignore[no-untyped-def]
    return cand(rules, value, rule="generic-token-assignment", key=key, **kw)


@pytest.mark.parametrize(
    "line",
    [
        "WEATHER_API_KEY=" + token(32),
        '  fbApiKey:            "' + secret("%%rand:hex:32%%") + '",',
        "acmeTOKEN " + token(40),
        '#define IO_KEY       "' + token(32) + '"',
        '"{\\"awsSecretKey\\":\\"' + token(40) + '\\"}"',
    ],
)
def test_token_rule_finds_keyed_tokens(line: str) -> None:
    from credgate.engine.scanner import Scanner

    ids = {f.rule_id for f in Scanner(load()).scan(line.encode() + b"\n", "settings.txt").findings}
    assert ids & {"generic-token-assignment", "generic-password-assignment"}, line


def test_sample_login_with_a_suffix(rules) -> None:  # type: ignore[no-untyped-def]
    line = b'create_engine("mssql+pyodbc://scott:tiger^5HHH@mssql2017:1433/test")'
    assert published.is_sample_userinfo(cand(rules, b"tiger^5HHH", rule="database-url-password", line=line))
    line = b'create_engine("mssql+pyodbc://scott:' + b"tigerish5HHH" + b'@mssql2017:1433/test")'
    assert not published.is_sample_userinfo(
        cand(rules, b"tigerish5HHH", rule="database-url-password", line=line)
    )


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('readonly CREDENTIAL_MISMATCH: "auth/custom-token-mismatch";', "auth-public.d.ts"),
        ("fetch(href, { credentials: 'same-origin' })", "route-loader.js"),
        ('    "@aws-sdk/credential-provider-node": ">=3.972.0 <4",', "package.json"),
        ("const WORKLOAD_IDENTITY_API_KEY_PLACEHOLDER = 'workload-identity-auth';", "client.ts"),
        ('export declare const TEST_TOKEN_HOST = "localhost/token";', "mock_auth.d.ts"),
        ("- Release GPG key: " + secret("%%rand:HEX:40%%"), "README.md"),
        ("const DEFAULT_VAPID_KEY = '" + secret("%%rand:base64url:87%%") + "';", "index.js"),
        ("{ 'recaptchaToken': recaptchaV2Token }", "index.js.map"),
        ('//    package.  subpackage field       tokens: "package." "subpackage"', "parse.js"),
        ("password: 's00pers3cret'", "README.md"),
        ("mongoose.createConnection('mongodb://val:psw@127.0.0.1:27017/mydb')", "connection.js"),
        ("parse('postgres://someuser:somepassword@somehost:381/somedatabase')", "README.md"),
    ],
)
def test_what_third_party_code_holds_under_credential_names(line: str, path: str) -> None:
    from credgate.engine.scanner import Scanner

    assert Scanner(load()).scan(line.encode() + b"\n", path).findings == []


def test_truncated_documentation_key_is_a_notice_not_a_block() -> None:
    from credgate.engine.scanner import Scanner

    body = "MIIEpQIBAAKCAQEA" + secret("%%rand:base64:44%%")
    doc = f"/** For example, `-----BEGIN RSA PRIVATE KEY----- {body}. -----END RSA PRIVATE KEY-----` */"
    found = Scanner(load()).scan(doc.encode() + b"\n", "credential.d.ts").findings
    assert [(f.rule_id, f.advisory) for f in found] == [("private-key-pem", "failed-pem-der")]
    assert Scanner(load(), notices="hide").scan(doc.encode() + b"\n", "credential.d.ts").findings == []
    full = secret("%%pem:RSA_PRIVATE_KEY%%")
    found = Scanner(load()).scan(full.encode() + b"\n", "id_rsa.txt").findings
    assert [(f.rule_id, f.advisory) for f in found] == [("private-key-pem", "")]


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('TEST_BASIC_TOKEN = "Basic ' + "bWU6cGFzcw==" + '"', "kube_config.py"),
        ("INVALID_PASSWORD = '28P01'", "errorcodes.py"),
        ("'refresh_token': 'newtoken123'", "session.py"),
        ("apiKey: '12345-abcde'", "Effect.ts"),
        ('default_token="Bearer"', "pre_configured.py"),
        ('self.token = "bearer " + content', "incluster_config.py"),
        ('"image_pull_secrets": "List[V1LocalObjectReference]",', "v1_pod_spec.py"),
        ('secret_key: "Optional[str]" = None,', "utils.py"),
        ('"Sec-WebSocket-Key": "' + secret("%%rand:base64:22%%") + '==",', "handshake.py"),
        ("http://www.example.com/path?access_token=" + secret("%%rand:alnum:20%%"), "tokens.py"),
        ('lastSignificantToken = "?InterpolationInJSX";', "context.js"),
        ('"access_token":"2YotnFZFEjr1zCsicMWpAA",', "parameters.py"),  # RFC 6749's example
    ],
)
def test_more_of_what_libraries_hold_under_credential_names(line: str, path: str) -> None:
    from credgate.engine.scanner import Scanner

    assert Scanner(load()).scan(line.encode() + b"\n", path).findings == []


def test_context_rules_in_test_files_give_notices_and_provider_rules_still_block() -> None:
    from credgate.engine.scanner import Scanner

    scanner = Scanner(load())
    generic = f'refresh_token = "{secret("%%rand:alnum:28%%%%rand:digit:4%%")}"\n'.encode()
    for path in ("tests/test_auth.py", "src/client.spec.ts", "pkg/auth_test.go", "testdata/creds.yaml"):
        (f,) = scanner.scan(generic, path).findings
        assert not f.blocking and f.advisory == "in-test-file", path
    (f,) = scanner.scan(generic, "src/auth.py").findings
    assert f.blocking
    token = f"GH = '{secret('%%github:ghp_%%')}'\n".encode()
    (f,) = scanner.scan(token, "tests/test_auth.py").findings
    assert f.rule_id == "github-pat" and f.blocking


def _scan(text: str, path: str, notices: str = "report"):  # type: ignore[no-untyped-def]
    from credgate.engine.scanner import Scanner

    return Scanner(load(), notices=notices).scan(text.encode() + b"\n", path).findings


@pytest.mark.parametrize(
    "value",
    [
        "hunter2",
        "P@ssw0rd123",
        "super$ecret",
        "Secret123",
        "s3cr3t",
        "passw0rd",
        "123P4ssW0rd@@",
        "changeit",
    ],
)
def test_weak_password_is_a_notice_in_config_and_blocks_in_a_dotenv_file(value: str) -> None:
    found = _scan(f'db_password: "{value}"', "deploy/settings.yaml")
    assert [(f.rule_id, f.advisory) for f in found] == [("generic-password-assignment", "weak-password")]
    assert _scan(f'db_password: "{value}"', "deploy/settings.yaml", notices="hide") == []
    blocking = _scan(f"DB_PASSWORD={value}", "deploy/.env.production")
    assert [(f.rule_id, f.advisory) for f in blocking] == [("generic-password-assignment", "")]


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('password: "password"', "settings.yaml"),  # the slot's own name: a placeholder
        ('password: "mypassword"', "settings.yaml"),
        ("url = postgres://postgres:postgres@db:5432/app", "settings.toml"),  # the image default login
        ("url = redis://alice:foobared@cache.internal:6380", "settings.toml"),  # redis.conf's example
        ("api_token: secret123", "settings.yaml"),  # not a password slot: tokens are not weak words
        ("password = secret", "app.py"),  # a variable in code, whatever its name
    ],
)
def test_what_stays_hidden_beside_weak_passwords(line: str, path: str) -> None:
    assert _scan(line, path) == []


def test_weak_password_in_a_connection_url_is_a_notice() -> None:
    found = _scan("DATABASE_URL: postgresql://app:secret@db.internal:5432/app", "compose.yaml")
    assert {(f.rule_id, f.advisory) for f in found} == {("database-url-password", "weak-password")}


def test_random_value_holding_format_characters_is_not_a_format_string() -> None:
    key = (
        "django-insecure-"
        + secret("%%rand:alnum:12%%")
        + "!%(^+=gr@cu@v9-"
        + secret("%%rand:alnum:16%%")
        + "*k*$"
    )
    assert [f.rule_id for f in _scan(f"SECRET_KEY = '{key}'", "settings.py")] == [
        "generic-password-assignment"
    ]
    tail = secret("%%rand:alnum:20%%") + "`D}/vYR)T;W]EBrf;_&k>qX??]G&3CF=;@vyrVBp[$_hK4^?{qT/Eg" + "$%r"
    assert [f.rule_id for f in _scan(f"jwtsecret: '{tail}'", "oauth.yaml")] == ["generic-password-assignment"]
    # A real format string keeps being one.
    assert _scan("password = 'postgresql://%s:%s@%s:%d/%s?sslmode=require'", "db.py") == []
    assert _scan("secret = '%(user)s:%(password)s'", "db.py") == []


def test_bare_command_line_password_word_is_found_but_a_glued_flag_is_not() -> None:
    word = "".join(ch for ch in secret("%%rand:lower:9%%"))
    found = _scan(f'system("psexec \\\\\\\\10.0.0.7 -u Administrator -p {word} shutdown -r")', "ops.c")
    assert [f.rule_id for f in found] == ["windows-command-password"]
    assert _scan("gcc -I/usr/include/mysql -pthread -o app app.c", "Makefile") == []
    assert _scan('ConvertTo-SecureString "literal" -AsPlainText', "notes.ps1") == []


def test_provider_test_mode_key_is_not_self_describing() -> None:
    key = "pk_test_" + secret("%%rand:alnumupper:28%%")
    assert [f.rule_id for f in _scan(f"courier_secret={key}", "app.env")] != []
    assert _scan('client_secret = "test_client_secret_value"', "settings.py") == []


def test_fallback_default_is_not_a_type_union() -> None:
    value = secret("%%rand:alnum:24%%")
    found = _scan(f"const token = process.env.SLACK_TOKEN || '{value}';", "bot.js")
    assert "env-default-secret" in {f.rule_id for f in found}
    assert _scan("type Mode = 'optional' | 'required_token_value'", "types.ts") == []


@pytest.mark.parametrize("word", ["centipede", "blooberry"])
def test_password_stated_in_prose_is_found_even_as_a_lower_case_word(word: str) -> None:
    found = _scan(f'Ensure the password is "{word}" and press the button.', "README.txt")
    assert [f.rule_id for f in found] == ["prose-password-statement"]
    assert _scan(f'Ensure the token is "{word}".', "README.txt") == []


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('    ACQUIRE_TOKEN_NETWORK_START: "msal:acquireTokenFromNetworkStart",', "EventType.ts"),
        ("SAML_TOKEN_TYPE_V1 = 'urn:oasis:names:tc:SAML:1.0:assertion'", "wstrust.py"),
        (
            'WSS_SAML_TOKEN_PROFILE_V1_1 = "http://docs.oasis-open.org/wss/saml-token-profile-1.1#SAMLV1.1"',
            "ws.py",
        ),
        ('"passphrase": "Needed if the private_key is encrypted (Added in version 1.6.0)",', "app.py"),
        ('# potential {..., "access_token": "attacker\'s AT"} input being leaked', "oauth2.py"),
        ('"description": "Example key: zones/us-central1-a",', "compute.v1.json"),
        ("* `https://user@password:www.google.com/` But it does not contain these URLs", "links.json"),
        ('  "token": "useraccesstoken123",', "README.md"),
        ('    Authorization: "Bearer PRIMARY_ACCOUNT_JWT"', "reference.md"),
        ("    private __setFcmv1Provider;", "Client.d.mts"),
        ("export type AccessTokenUrl = Management.ConnectionHttpsUrlWithFallback255;", "types.d.mts"),
        ("grant_type=password&username=johndoe&password=A3ddj3w", "rfc6749.py"),  # RFC 6749's example
    ],
)
def test_documentation_and_code_under_credential_names_is_not_a_finding(line: str, path: str) -> None:
    assert _scan(line, path) == []


def test_badge_token_of_any_badge_service_is_not_a_finding() -> None:
    token = secret("%%rand:base64:20%%")
    line = f'<img src="https://badges.openbase.com/js/rating/js-sdsl.svg?token={token}" />'
    assert _scan(line, "README.md") == []
    assert [f.rule_id for f in _scan(f"AUTH_TOKEN={secret('%%rand:alnum:32%%')}", "deploy.env")] != []


def test_basic_header_whose_password_is_sequential_is_a_notice() -> None:
    import base64

    made_up = base64.b64encode(b"lv1.1234567890abcdef:1234567890abcdef1234567890abcdef").decode()
    found = _scan(f'    "authorization": "basic {made_up}"', "README.md")
    assert [(f.rule_id, f.advisory) for f in found] == [
        ("http-authorization-basic", "repeated-or-sequential")
    ]
    real = base64.b64encode(f"deploy:{secret('%%rand:alnum:24%%')}".encode()).decode()
    found = _scan(f'    "authorization": "basic {real}"', "README.md")
    assert [(f.rule_id, f.advisory) for f in found] == [("http-authorization-basic", "")]


def test_random_token_with_a_slash_or_a_space_under_a_password_name_is_still_found() -> None:
    value = secret("%%rand:alnum:12%%") + "/" + secret("%%rand:alnum:12%%")
    assert len(_scan(f'password: "{value}"', "settings.yaml")) == 1
    words = "correct horse battery staple " + secret("%%rand:digit:4%%")
    assert [f.rule_id for f in _scan(f'db_passphrase: "{words}"', "settings.yaml")] == [
        "generic-password-assignment"
    ]


def test_password_hashes_in_test_paths_are_skipped_and_private_keys_there_are_notices() -> None:
    bcrypt = "$2b$12$" + secret("%%rand:alnum:53%%")
    line = f"INSERT INTO users (email, password_hash) VALUES ('ops@acme.io', '{bcrypt}');"
    assert [f.rule_id for f in _scan(line, "db/seed.sql")] == ["password-hash-bcrypt"]
    assert _scan(line, "passlib/tests/test_handlers.py") == []
    assert _scan(line, "spec/fixtures/users.sql") == []
    pem = secret("%%pem:RSA_PRIVATE_KEY%%")
    [found] = _scan(pem, "test/fixtures/keys/id_rsa")
    assert (found.rule_id, found.blocking, found.advisory) == ("private-key-pem", False, "in-test-file")
    [found] = _scan(pem, "deploy/id_rsa")
    assert (found.rule_id, found.blocking) == ("private-key-pem", True)


def test_hashes_that_stay_blocking_in_tests_are_the_ones_accepted_as_they_are(rules) -> None:  # type: ignore[no-untyped-def]
    # A reversible encoding and pass-the-hash material are the credential itself.
    for rid in ("cisco-type7-password", "windows-ntlm-hash-dump", "postgres-password-hash"):
        assert rules[rid].in_tests == "block"
    for rid in ("password-hash-bcrypt", "password-hash-argon2", "password-hash-ldap-scheme"):
        assert rules[rid].in_tests == "skip"
    assert rules["generic-password-assignment"].in_tests == "notice"
    assert rules["github-pat"].in_tests == "block"


def test_hash_called_a_sample_on_its_line_or_the_line_above_is_not_reported() -> None:
    bcrypt = "$2a$06$" + secret("%%rand:alnum:53%%")
    assert _scan(f"# sample hash:\n# {bcrypt}", "handlers/bcrypt.py") == []
    assert _scan(f'TEST_HASH = "{bcrypt}"', "handlers/bcrypt.py") == []
    assert [f.rule_id for f in _scan(f'ADMIN_HASH = "{bcrypt}"', "handlers/bcrypt.py")] == [
        "password-hash-bcrypt"
    ]


def test_values_in_a_doctest_transcript_are_examples_until_the_block_ends() -> None:
    mash = secret("%%rand:alnum:18%%%%rand:digit:1%%")
    transcript = (
        f"    >>> session.fetch_request_token(url)\n    {{\n        'oauth_token_secret': '{mash}',\n    }}\n"
    )
    assert _scan(transcript, "oauth1_session.py") == []
    assert _scan(f"    >>> client_secret = '{mash}'", "README.rst") == []
    # A blank line closes the transcript: what follows is ordinary code again.
    after = f"    >>> print(1)\n    1\n\n    oauth_token_secret = '{mash}'"
    assert [f.rule_id for f in _scan(after, "oauth1_session.py")] != []
    # A provider token in a transcript is still live.
    token = secret("%%github:ghp_%%")
    assert [f.rule_id for f in _scan(f">>> gh = Github('{token}')", "README.md")] == ["github-pat"]


def test_arms_of_a_conditional_expression_are_not_a_key_and_value() -> None:
    line = 'const m = `Method: ${e.auth.type?"Auth Token":"Unauthorized"}`'
    assert _scan(line, "chunk.cjs") == []
    value = secret("%%rand:alnum:23%%%%rand:digit:1%%")
    assert _scan(f'headers = {{"Auth Token": "{value}"}}', "client.py") != []


def test_commit_id_counts_only_under_a_credential_name() -> None:
    sha = secret("%%rand:hex:40%%").lower()
    assert _scan(f"  - Feature: Support Private accessors {sha}", "CHANGELOG.md") == []
    assert [f.rule_id for f in _scan(f"GITHUB_TOKEN={sha}", "ci.env")] == ["generic-token-assignment"]
    assert [f.rule_id for f in _scan(f"cryptocompare ACCESS {sha}", "notes.txt")] == [
        "generic-token-assignment"
    ]


def test_sigv4_credential_scope_is_not_a_password() -> None:
    line = "    Authorization: 'AWS4-HMAC-SHA256 Credential=ABCDEF/20121226/us-east-1/sqs/aws4_request, ...'"
    assert _scan(line, "README.md") == []
    assert _scan(f"Credential={secret('%%rand:alnum:19%%%%rand:digit:1%%')}", "app.ini") != []


@pytest.mark.parametrize(
    "value",
    [
        b"abcd1234abcd1234abcd1234abcd1234",
        b"xyzxyzxyzxyzxyzxyzxyzxyzxyzxyz12",
        b"123456123456123456123456123456",
        b"ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD",
    ],
)
def test_a_short_unit_typed_over_and_over_is_a_placeholder_notice(value: bytes) -> None:
    found = _scan(f"BUDDYNS_API_KEY={value.decode()}", "deploy.env")
    assert [f.advisory for f in found] == ["repeated-or-sequential"]


_PLAIN_ENV = """\
# Compose and app settings
COMPOSE_PROJECT_NAME=shop_backend_production
NODE_ENV=production
REACT_APP_VERSION=$npm_package_version
GENERATE_SOURCEMAP=false
PUBLIC_URL=/storefront/app/
DATABASE_URL=postgres://app@db.internal:5432/shop
DJANGO_SETTINGS_MODULE=shop.settings.production
PYTHONPATH=/srv/app/src:/srv/app/vendor
LANG=en_US.UTF-8
TZ=Europe/Berlin
AWS_REGION=eu-west-1
AWS_S3_BUCKET=acme-shop-assets-production
GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp-service-account.json
NEXT_PUBLIC_GA_MEASUREMENT_ID=G-7QX2KP4LZM
SENTRY_RELEASE=2024.11.28-build.1432
IMAGE_TAG=sha-3f2a9c1
FIREBASE_APP_ID=1:123456789012:web:9f8e7d6c5b4a3f2e1d0c9b
CI_COMMIT_SHA=4b825dc642cb6eb9a060e54bf8d69288fbee4904
GIT_BRANCH=feature/checkout-v2-rollout
LOG_FORMAT=json_structured_v2
CELERY_BROKER_URL=redis://cache.internal:6379/0
HOSTNAME=api-7f9c8d6b5-x2k4p.shop-production.svc
KUBE_NAMESPACE=shop-production-eu-west-1
ASSETS_MANIFEST_DIGEST=sha256-2b7e151628aed2a6abf7158809cf4f3c
DEFAULT_FROM_EMAIL=noreply@shop.acme.io
"""


def test_dotenv_values_that_look_generated_block_whatever_the_name() -> None:
    assert _scan(_PLAIN_ENV, ".env.production") == []
    # A digit in each, or a draw of letters only could read as a word (about 1 in 250 for 32 characters).
    cookie = secret("%%rand:alnum:31%%%%rand:digit:1%%")
    mailer = secret("%%rand:digit:1%%%%rand:base64url:39%%")
    text = _PLAIN_ENV + f"RABBITMQ_ERLANG_COOKIE={cookie}\nexport MAILER='{mailer}'  # prod\n"
    found = _scan(text, "deploy/.env.production")
    assert [(f.rule_id, f.line) for f in found] == [
        ("env-file-generated-value", _PLAIN_ENV.count("\n") + 1),
        ("env-file-generated-value", _PLAIN_ENV.count("\n") + 2),
    ]
    assert all(f.blocking for f in found)
    # The same lines in another kind of file are not this rule's business.
    assert _scan(text, "deploy/settings.py") == []
    # A template holds placeholders: its ordinary values pass, a generated one is `cp .env.production
    # .env.example` and blocks as it would in the file it was copied from.
    assert _scan(_PLAIN_ENV, "deploy/.env.example") == []
    in_template = _scan(text, "deploy/.env.example")
    assert [(f.rule_id, f.line) for f in in_template] == [(f.rule_id, f.line) for f in found]
    assert all(f.blocking for f in in_template)


def test_rule_files_globs_match_the_base_name_case_insensitively(rules) -> None:  # type: ignore[no-untyped-def]
    rule = rules["env-file-generated-value"]
    assert rule.applies_to("a/b/.env") and rule.applies_to(".ENV.Local") and rule.applies_to("x/prod.env")
    assert (
        not rule.applies_to("a/.envrc") and not rule.applies_to("env.py") and not rule.applies_to(".env/x.py")
    )
    assert rules["generic-token-assignment"].applies_to("anything.bin")


def test_alphabet_typed_in_groups_is_a_placeholder_notice() -> None:
    found = _scan("REQUEST_FINANCE_KEY=ABCDEFG-HIJKLMN-OPQRSTU-VWXYZAB", "deploy.env")
    assert [f.advisory for f in found] == ["repeated-or-sequential"]


def test_long_value_that_starts_like_a_version_is_still_a_token() -> None:
    key = "v1.0-" + secret("%%rand:hex:24%%").lower() + "-" + secret("%%rand:hex:146%%").lower()
    assert [f.blocking for f in _scan(f"cf_origin_service_key: '{key}'", "deploy.yaml")] == [True]
    assert _scan("cf_origin_service_key: 'v1.0.3-rc.1+build.20241128'", "deploy.yaml") == []


def test_a_weak_password_typed_as_words_is_a_notice_only_where_it_reads_as_a_sample() -> None:
    found = _scan("user = Aladdin\npassword = open_sesame", "notes.txt")
    assert [(f.rule_id, f.advisory) for f in found] == [("generic-password-assignment", "weak-password")]
    # Nothing about this one says sample: it blocks, as an unknown password would.
    found = _scan('db_password: "Iloveyou2024!"', "deploy/settings.yaml")
    assert [(f.rule_id, f.blocking) for f in found] == [("generic-password-assignment", True)]


def _hs256(payload: bytes, key: bytes) -> str:
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signed = b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64(payload)
    return (signed + b"." + b64(hmac.new(key, signed, hashlib.sha256).digest())).decode()


def test_jwt_signed_with_a_documentation_key_is_a_notice() -> None:
    payload = b'{"sub":"' + secret("%%rand:digit:10%%").encode() + b'","role":"admin"}'
    [found] = _scan(f"token = {_hs256(payload, b'secret')}", "README.md")
    assert (found.rule_id, found.blocking, found.advisory) == ("jwt", False, "sample-signed-jwt")
    [found] = _scan(f"token = {_hs256(payload, b'your-256-bit-secret')}", "README.md")
    assert found.advisory == "sample-signed-jwt"
    signed = _hs256(payload, secret("%%rand:alnum:32%%").encode())
    [found] = _scan(f"token = {signed}", "README.md")
    assert (found.rule_id, found.blocking) == ("jwt", True)
    [found] = _scan(f"const token = '{signed}';", "test/node.test.js")
    assert (found.rule_id, found.blocking, found.advisory) == ("jwt", False, "in-test-file")


def test_plain_urls_and_uri_templates_are_not_credentials() -> None:
    assert _scan('    TOKEN_AUDIENCE = "https://appleid.apple.com"', "apple.py") == []
    assert _scan('URL_TOKEN = "realms/{realm-name}/protocol/openid-connect/token"', "urls.py") == []
    # A URL that can carry one still counts, through its own rule.
    value = secret("%%rand:alnum:15%%%%rand:digit:1%%")
    assert _scan(f'DB_PASSWORD = "https://deploy:{value}@db.acme.io"', "settings.py") != []


def test_a_uuid_typed_from_a_repeated_unit_is_a_placeholder_notice() -> None:
    found = _scan("SOCIAL_AUTH_KEYCLOAK_SECRET = '1234abcd-1234-abcd-1234-abcd1234adcd'", "settings.py")
    assert [f.advisory for f in found] == ["repeated-or-sequential"]


def test_a_passphrase_that_calls_itself_a_secret_is_a_sample() -> None:
    line = "        passphrase: 'super long and hard to guess secret', // protects the private key"
    assert _scan(line, "README.md") == []
    words = "correct horse battery staple " + secret("%%rand:digit:4%%")
    assert _scan(f"        passphrase: '{words}',", "README.md") != []


def test_hash_printed_in_a_repl_transcript_is_the_readme_output() -> None:
    digest = (
        "$argon2id$v=19$m=65536,t=3,p=4$" + secret("%%rand:alnum:22%%") + "$" + secret("%%rand:alnum:43%%")
    )
    transcript = f">>> hash = ph.hash(\"correct horse battery staple\")\n>>> hash\n'{digest}'"
    assert _scan(transcript, "README.md") == []
    assert [f.rule_id for f in _scan(f"admin:{digest}", "deploy/shadow")] == ["password-hash-argon2"]


def test_minio_playground_keys_are_published_values() -> None:
    # The public play.min.io keys, recognised by prefix; the rest of this value is random.
    line = f'client = Minio("play.min.io", secret_key="zuf+tfteSlswRu7BJ86w{secret("%%rand:alnum:20%%")}")'
    assert _scan(line, "README.md") == []
    other = secret("%%rand:alnum:39%%%%rand:digit:1%%")
    assert _scan(f'client = Minio("s3.acme.io", secret_key="{other}")', "app.py") != []


def test_dressed_up_placeholder_words_and_regex_patterns_are_not_values() -> None:
    assert _scan("          password: '__redacted__',", "Client.ts") == []
    assert _scan('  "password": "[REDACTED]",', "log.json") == []
    assert _scan("const token68Match = '[a-zA-Z0-9\\\\-\\\\._\\\\~\\\\+\\\\/]+={0,2}';", "index.js") == []
    value = secret("%%rand:alnum:23%%%%rand:digit:1%%")
    assert _scan(f"const tokenMatch = '{value}';", "index.js") != []


def test_samples_in_test_files_are_silent_where_elsewhere_they_are_notices() -> None:
    weak = 'encoded = key.export_key(passphrase="secret", protection="PBKDF2WithHMAC-SHA1AndAES128-CBC")'
    counting = 'tv1_key = "000102030405060708090A0B0C0D0E0F"'
    for line, advisory in ((weak, "weak-password"), (counting, "repeated-or-sequential")):
        [found] = _scan(line, "crypto/export.py")
        assert (found.blocking, found.advisory) == (False, advisory)
        assert _scan(line, "crypto/tests/test_export.py") == []
    # Only made-up values fall silent in tests: a generated one is still shown there, and a provider
    # token with a made-up look still gets its notice.
    generated = f'key = "{secret("%%rand:hex:32%%")}"'
    [found] = _scan(generated, "crypto/tests/test_export.py")
    assert found.advisory == "in-test-file"
    made_up = "GH = 'ghp_" + "abcdef0123456789" * 2 + "abcd'"
    for path in ("tests/test_client.py", "client.py"):
        assert [(f.rule_id, f.advisory) for f in _scan(made_up, path)] == [
            ("github-pat", "repeated-or-sequential")
        ]


def test_published_aes_test_vector_keys_are_examples_everywhere() -> None:
    for path in ("aes/test_vectors.py", "src/cipher.c"):
        assert _scan('key = "2b7e151628aed2a6abf7158809cf4f3c"', path) == []
    assert _scan('key = "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"', "aes.go") == []


def test_literal_types_in_declaration_files_are_not_values() -> None:
    line = 'xsetid(key: RedisKey, maxDeletedEntryIdToken: "MAXDELETEDID", cb?: Callback<unknown>): Result;'
    assert _scan(line, "built/utils/RedisCommander.d.ts") == []
    assert [f.rule_id for f in _scan(line, "src/commander.ts")] == ["generic-password-assignment"]
    # A declaration file's comments are prose, where a pasted value is still a value.
    value = secret("%%rand:alnum:8%%%%rand:digit:4%%%%rand:alnum:8%%")
    assert len(_scan(f' * const client = new Client({{ token: "{value}" }})', "index.d.ts")) == 1


def test_capitalised_words_under_a_provider_key_name_are_a_type_not_a_key() -> None:
    line = "export type InferencePutFireworksaiResponse = InferenceInferenceEndpointInfoFireworksAI;"
    assert _scan(line, "api/types.ts") == []
    key = secret("%%rand:alnum:10%%%%rand:digit:4%%%%rand:alnum:10%%")
    assert [f.rule_id for f in _scan(f"FIREWORKS_API_KEY={key}", "deploy/app.env")] == ["fireworks-api-key"]


def test_camel_case_names_that_say_what_goes_there_are_placeholders() -> None:
    assert [f.blocking for f in _scan("auth: { apiKey: 'base64EncodedKey' }", "README.md")] == []
    assert [f.blocking for f in _scan("auth: { apiKey: 'yourApiToken' }", "README.md")] == []
    # A camelCase value without such a word is judged as any other value.
    value = "blue" + secret(
        "%%rand:upper:1%%%%rand:lower:4%%%%rand:digit:3%%%%rand:upper:1%%%%rand:lower:3%%"
    )
    assert [f.blocking for f in _scan(f"auth: {{ password: '{value}' }}", "README.md")] == [True]


def test_a_token_in_an_image_url_is_published_with_the_page() -> None:
    token = secret("%%rand:hex:8%%-%%rand:hex:4%%-4%%rand:hex:3%%-a%%rand:hex:3%%-%%rand:hex:12%%")
    img = (
        f'<img src="https://files.example.io/o/uploads%2Flogo-white.png?alt=media&token={token}" width="150">'
    )
    assert _scan(img, "README.md") == []
    api = f'curl "https://files.example.io/v1/export?format=csv&token={token}"'
    assert len(_scan(api, "README.md")) == 1


def test_dash_test_file_names_are_test_files() -> None:
    value = secret("%%rand:alnum:20%%%%rand:digit:4%%")
    [found] = _scan(f"auth_token: '{value}',", "dist/rest/request-test.js")
    assert (found.blocking, found.advisory) == (False, "in-test-file")
    [found] = _scan(f"auth_token: '{value}',", "dist/rest/request.js")
    assert found.blocking


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('password = "__generate__"', "drivers/kamatera.py"),  # a sentinel the code replaces
        ('proxy_url = "http://user1:pass1@127.0.0.1:3128"', "net/proxy.py"),  # the sample login, numbered
        ("export MLFLOW_CRYPTO_KEK_PASSPHRASE='your-original-passphrase'", "cli/crypto.py"),
        ('TOKEN_COLON_HARDWARE = "token:hardware"', "models/factor_type.py"),  # an enum spelled from its name
        ('change(oldPwdHashNT="31d6cfe0d16ae931b73c59d7e0c089c0")', "attacks/smb.txt"),  # NT hash of ""
        ("  password: '?string',", "api/metadata/schema.ts"),  # a nullable type in a schema
    ],
)
def test_sentinels_numbered_samples_spelled_names_and_type_markers_are_not_secrets(
    line: str, path: str
) -> None:
    assert _scan(line, path) == []


def test_what_those_filters_leave_alone() -> None:
    value = secret("%%rand:alnum:8%%%%rand:digit:3%%%%rand:alnum:8%%")
    assert len(_scan(f'proxy_url = "http://user1:{value}@10.0.0.7:3128"', "net/proxy.py")) == 1
    assert len(_scan(f'TOKEN_COLON_HARDWARE = "token:{value}"', "models/factor_type.py")) == 1
    assert len(_scan(f'change(oldPwdHashNT="{secret("%%rand:hex:32%%")}")', "attacks/smb.txt")) == 1


def test_a_service_account_key_in_a_test_fixture_is_a_notice() -> None:
    pem = "\\n".join(
        ["-----BEGIN PRIVATE KEY-----", secret("%%rand:base64:64%%"), secret("%%rand:base64:64%%")]
    )
    doc = f'{{"type": "service_account", "private_key": "{pem}\\n-----END PRIVATE KEY-----\\n"}}'
    [found] = _scan(doc, "test/common/fixtures/google/pkey.json")
    assert (found.rule_id, found.blocking) == ("gcp-service-account-key", False)
    [found] = _scan(doc, "deploy/sa.json")
    assert (found.rule_id, found.blocking) == ("gcp-service-account-key", True)


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('"Unexpected_token_1012": "意外的标记。",', "lib/zh-cn/diagnosticMessages.generated.json"),
        ("  token: ':remote-addr',", "lib/connect-logger.js"),  # a log format's named token
        ("      auth=OAuth2Authentication(),", "trino.dist-info/METADATA"),  # a call in a README's code
        (
            " *   key: 'com.cloudflare.api.account.eb78d65290b24279ba6f44721b3ea3c4',",
            "iam/resource-groups.ts",
        ),
        ("exports.resolveVercelLsAgentType = resolveVercelLsAgentType;", "lib/vercel/_agent_type.js"),
        ('HEADER_EXTRA_CREDENTIAL = "X-Trino-Extra-Credential"', "trino/constants.py"),  # a header's name
    ],
)
def test_translations_named_parameters_calls_and_resource_names_are_not_secrets(line: str, path: str) -> None:
    assert _scan(line, path) == []


def test_non_latin_text_is_judged_by_its_script_not_its_bytes() -> None:
    # A value with a few accented letters is still a value; a sentence in ideographs is not.
    value = secret("%%rand:alnum:10%%%%rand:digit:3%%") + "é"
    assert len(_scan(f'"db_password": "{value}",', "config/settings.json")) == 1
    assert prose._is_non_latin_text("分析器预期在此处找到".encode())
    assert not prose._is_non_latin_text("pässwörd-Ünïcode".encode())


def test_four_x_by_chance_inside_a_private_key_is_not_a_placeholder() -> None:
    """One real key in about 650 has `xXxx` somewhere in its base64; that is no placeholder."""
    from credgate.config import Config
    from credgate.engine.synth import expand
    from credgate.gate.scanning import build_scanner

    key = expand("%%pem:RSA_PRIVATE_KEY%%", "test-2699-x")  # a draw whose body holds `xxXx`
    assert "xxxx" in key.lower()
    found = build_scanner(Config()).scan(key.encode() + b"\n", "deploy/server.pem").findings
    assert [(f.rule_id, f.blocking) for f in found] == [("private-key-pem", True)]
