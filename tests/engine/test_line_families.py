"""Issue 16's line-level families: credentials that C macros, typed declarations, comparisons, SQL,
notes and split string literals hold, and the look-alikes (translated labels, bind parameters,
comparisons with nothing) that must stay quiet."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from credgate.commands import scan
from credgate.commands._options import Options
from credgate.engine import concat, filters
from credgate.engine.filters import Candidate, translations
from credgate.engine.finding import Finding
from credgate.engine.rules import load
from credgate.engine.scanner import Scanner
from tests.conftest import Repo, secret, token


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(load())


def password() -> str:
    """A strong, generated-looking password (letters, digits, a symbol): never a word or a placeholder."""
    return secret("%%rand:alnum:10%%") + "!" + secret("%%rand:digit:3%%")


def blocking(scanner: Scanner, text: str, path: str) -> list[Finding]:
    return [f for f in scanner.scan(text.encode(), path).findings if f.blocking]


def found(scanner: Scanner, text: str, path: str) -> set[tuple[str, int]]:
    return {(f.rule_id, f.line) for f in blocking(scanner, text, path)}


def test_c_preprocessor_and_constants(scanner: Scanner) -> None:
    pw, key, tok = password(), token(32), token(24)
    text = (
        f'#define DB_PASSWORD "{pw}"\n'
        f'static const char *api_key = "{key}";\n'
        f'const std::string token = "{tok}";\n'
        "#define PASSWORD_MAX_LEN 64\n"
        '#define PASSWORD_PROMPT "Enter the password: "\n'
    )
    hits = blocking(scanner, text, "src/config.h")
    assert {f.line for f in hits} == {1, 2, 3}
    assert next(f for f in hits if f.line == 1).rule_id == "c-define-secret"
    assert {f.secret for f in hits} == {pw.encode(), key.encode(), tok.encode()}


def test_define_of_a_number_or_an_empty_string_stays_quiet(scanner: Scanner) -> None:
    text = '#define PASSWORD_MAX_LEN 64\n#define API_TOKEN ""\n#define SECRET_SIZE (32)\n'
    assert blocking(scanner, text, "limits.h") == []


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('val password: String = "{v}"', "App.kt"),
        ('private val dbPassword: String = "{v}"', "Db.scala"),
        ('let apiKey: String = "{v}"', "Config.swift"),
        ("const token: string = '{v}';", "client.ts"),
        ('const dbPassword = "{v}"', "main.go"),
        ('var apiSecret string = "{v}"', "main.go"),
        ('def connect(host: str, password: str = "{v}") -> None:', "db.py"),
        ('def connect(host, password="{v}"):', "db.py"),
        ('public string Password {{ get; set; }} = "{v}";', "Settings.cs"),
        ('const API_TOKEN: &str = "{v}";', "main.rs"),
        ('static char password[] = "{v}";', "auth.c"),
        ("  private readonly token?: string | null = '{v}';", "client.ts"),
        ('    db_password: Final[str] = "{v}"', "settings.py"),
        ('    password: SecretStr = "{v}"', "settings.py"),
        ("var token string = `{v}`", "main.go"),
        ('    password: SecretStr = Field(default="{v}")', "settings.py"),
        ('    api_key: str = field(default="{v}")', "config.py"),
    ],
)
def test_typed_declarations_and_parameters(scanner: Scanner, template: str, path: str) -> None:
    value = password()
    hits = blocking(scanner, template.format(v=value) + "\n", path)
    assert [f.secret for f in hits] == [value.encode()], template


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('parser.add_argument("--password", default="{v}", help="db password")', "cli.py"),
        ('@click.option("--api-key", envvar="API_KEY", default="{v}")', "cli.py"),
        ('[ConfigurationProperty("password", DefaultValue = "{v}", IsRequired = false)]', "Section.cs"),
        ('@Value("${{spring.datasource.password:{v}}}")', "DbConfig.java"),
    ],
)
def test_declared_defaults_of_options_and_attributes(scanner: Scanner, template: str, path: str) -> None:
    value = password()
    hits = blocking(scanner, template.format(v=value) + "\n", path)
    assert [f.secret for f in hits] == [value.encode()], template


def test_declared_defaults_without_a_literal_stay_quiet(scanner: Scanner) -> None:
    text = (
        'parser.add_argument("--password", default=None)\n'
        'parser.add_argument("--password", default=os.environ.get("DB_PASSWORD"))\n'
        'parser.add_argument("--password-file", default="/run/secrets/db")\n'
        '@Value("${spring.datasource.password:${DB_PASSWORD}}")\n'
    )
    assert blocking(scanner, text, "cli.py") == []


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('pw = "{v}"', "login.py"),
        ('std::string db_pw = "{v}";', "db.cpp"),
        ('  "adminPw": "{v}",', "seed.json"),
        ("self.pw = '{v}'", "client.py"),
    ],
)
def test_abbreviated_password_names(scanner: Scanner, template: str, path: str) -> None:
    value = password()
    hits = blocking(scanner, template.format(v=value) + "\n", path)
    assert [f.secret for f in hits] == [value.encode()], template


def test_abbreviated_password_names_without_a_literal_stay_quiet(scanner: Scanner) -> None:
    text = 'pw = getpass.getpass("Password: ")\npw = os.environ["DB_PW"]\npw = ""\npw = "${DB_PW}"\n'
    assert blocking(scanner, text, "login.py") == []


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('val password: String = ""', "App.kt"),
        ("def connect(password: str = None):", "db.py"),
        ('let apiKey: String = ProcessInfo.processInfo.environment["API_KEY"]!', "Config.swift"),
        ("public string Password { get; set; } = string.Empty;", "Settings.cs"),
        ('var apiSecret string = os.Getenv("API_SECRET")', "main.go"),
        ('const tokenType: string = "Bearer";', "client.ts"),
    ],
)
def test_typed_declarations_without_a_literal_stay_quiet(scanner: Scanner, line: str, path: str) -> None:
    assert blocking(scanner, line + "\n", path) == []


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('if password == "{v}":', "auth.py"),
        ('if (creds.Secret != "{v}") {{ return false; }}', "Auth.cs"),
        ('if (strcmp(pw, "{v}") == 0) {{', "auth.c"),
        ('if (!strncmp(user->password, "{v}", 12)) grant();', "auth.c"),
        ('if (password.equals("{v}")) {{', "Auth.java"),
        ('if ("{v}".equals(user.getPassword())) {{', "Auth.java"),
        ('if (pw == "{v}") {{', "auth.cpp"),
        ('if hmac.compare_digest(token, "{v}"):', "auth.py"),
        ('if (StringUtils.equals(password, "{v}")) {{', "Auth.java"),
        ('if (string.Equals(password, "{v}")) {{', "Auth.cs"),
    ],
)
def test_comparisons_with_a_literal(scanner: Scanner, template: str, path: str) -> None:
    value = password()
    hits = blocking(scanner, template.format(v=value) + "\n", path)
    assert [f.secret for f in hits] == [value.encode()], template


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ('if password == "":', "auth.py"),
        ("if password is None:", "auth.py"),
        ("if (password == null) {", "Auth.java"),
        ("if password == nil {", "auth.go"),
        ('if (strcmp(pw, "") == 0) {', "auth.c"),
        ('if (password.equals("")) {', "Auth.java"),
        ('if (strcmp(argv[1], "--password") == 0) {', "main.c"),
    ],
)
def test_comparisons_with_nothing_stay_quiet(scanner: Scanner, line: str, path: str) -> None:
    assert blocking(scanner, line + "\n", path) == []


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('const t = "{a}" + "{b}";', "client.js"),
        ('String t = "{a}"\n    + "{b}";', "Client.java"),
        ('static const char *t = "{a}" "{b}";', "client.c"),
        ('TOKEN = ("{a}"\n         "{b}")', "client.py"),
        ("$t = '{a}' . '{b}';", "client.php"),
        ('export T="{a}""{b}"', "deploy.sh"),
        ("SELECT '{a}' || '{b}';", "seed.sql"),
        ('t = "{a}" & "{b}"', "Module1.vb"),
    ],
)
def test_token_split_across_literals_is_joined(scanner: Scanner, template: str, path: str) -> None:
    token = secret("%%github:ghp_%%")
    for cut in (4, 2, 20):  # at the prefix, inside it, inside the body
        text = template.format(a=token[:cut], b=token[cut:]) + "\n"
        hits = blocking(scanner, text, path)
        assert [f.rule_id for f in hits] == ["github-pat"], (template, cut)
        f = hits[0]
        assert f.secret == token.encode()  # the joined value: redaction covers all of it
        assert f.redacted() == "ghp_****"
        first = text.index(token[:cut])
        assert (f.line, f.offset) == (1, first)  # reported at the first piece
        assert "joined from 2 string literals" in f.note


def test_password_split_across_literals_under_a_name(scanner: Scanner) -> None:
    pw = password()
    hits = blocking(scanner, f"$password = '{pw[:5]}' . '{pw[5:]}';\n", "db.php")
    assert [f.secret for f in hits] == [pw.encode()]


def test_joined_values_keep_the_inline_allow_marker(scanner: Scanner) -> None:
    token = secret("%%github:ghp_%%")
    text = f'const t = "{token[:8]}" + "{token[8:]}"; // credgate:allow\n'
    assert blocking(scanner, text, "client.js") == []


def test_concatenation_of_words_or_with_variables_stays_quiet(scanner: Scanner) -> None:
    text = (
        'msg = "Please enter your " + "password to continue"\n'
        'url = "https://" + host + "/oauth/token"\n'
        'label = "Pass" "word"\n'
    )
    assert blocking(scanner, text, "app.py") == []


def test_concat_is_bounded() -> None:
    """A chain longer than MAX_PIECES is read in windows; no window exceeds the bounds, and a long file of
    chains costs linear time."""
    pieces = [(i * 4, i * 4 + 2) for i in range(100)]
    windows = concat._windows(pieces)
    assert all(2 <= len(w) <= concat.MAX_PIECES for w in windows)
    assert windows[0][0] == pieces[0] and windows[-1][-1] == pieces[-1]
    assert all(a[-1] == b[0] for a, b in zip(windows, windows[1:], strict=False))  # overlap by one piece
    scanner = Scanner(load())
    # many short chains, and one chain of many pieces (a quote search to the chain's end was quadratic)
    for small, big in (
        (b'x = "ab" + "cd" + "ef" "gh"\n' * 2_000, b'x = "ab" + "cd" + "ef" "gh"\n' * 16_000),
        (b"x = " + b'"a" ' * 10_000 + b"\n", b"x = " + b'"a" ' * 80_000 + b"\n"),
    ):
        t0 = time.perf_counter()
        scanner.scan(small, "a.js")
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        scanner.scan(big, "a.js")
        assert time.perf_counter() - t0 < 8 * one * 3 + 0.5


def test_documentation_style_credentials(scanner: Scanner) -> None:
    pw1, pw2, pw3, pw4 = password(), password(), password(), password()
    text = (
        f"Staging box\nID: admin PW: {pw1}\n"
        f"username: deploy / password: {pw2}\n"
        f"pwd: {pw3}\n"
        f"ID/PW: admin / {pw4}\n"
    )
    hits = blocking(scanner, text, "notes/ticket-4411.txt")
    assert {f.secret for f in hits} == {p.encode() for p in (pw1, pw2, pw3, pw4)}


def test_abbreviated_login_pairs_outside_notes(scanner: Scanner) -> None:
    pw1, pw2 = password(), password()
    text = f"# staging: ID: admin PW: {pw1}\nhosts: [a]  # user=deploy, pass={pw2}\n"
    assert {f.secret for f in blocking(scanner, text, "deploy.yml")} == {pw1.encode(), pw2.encode()}
    assert {f.secret for f in blocking(scanner, text, "provision.log")} == {pw1.encode(), pw2.encode()}
    quiet = "login(user=args.user, pass=args.password)\nusage: app --user NAME --pass PASS\n"
    assert blocking(scanner, quiet, "cli.py") == []


def test_documentation_prose_stays_quiet(scanner: Scanner) -> None:
    text = (
        "PW: see the vault entry for staging\n"
        "ID: admin PW: <ask-ops>\n"
        "pw: ${ADMIN_PW}\n"
        "Forgot your password: click the reset link.\n"
        "The password is required.\n"
    )
    assert blocking(scanner, text, "wiki/Onboarding.md") == []


def test_sql_statements_and_connection_calls(scanner: Scanner) -> None:
    p = [password().replace("!", "x") for _ in range(8)]
    sql = (
        f"CREATE USER app IDENTIFIED BY '{p[0]}';\n"
        f"CREATE ROLE web WITH LOGIN PASSWORD '{p[1]}';\n"
        f"ALTER LOGIN sa WITH PASSWORD = '{p[2]}';\n"
        f"ALTER LOGIN sa WITH PASSWORD = N'{p[3]}';\n"
        f"SET PASSWORD FOR 'shop'@'localhost' = '{p[4]}';\n"
        f"SET PASSWORD FOR shop = PASSWORD('{p[5]}');\n"
    )
    assert {f.secret for f in blocking(scanner, sql, "migrations/001.sql")} == {v.encode() for v in p[:6]}
    php = (
        f'$c = mysql_connect("localhost", "root", "{p[6]}");\n'
        f"$d = mysqli_connect('db', 'shop', '{p[7]}', 'shop');\n"
        f'$e = pg_connect("host=db dbname=shop user=shop password={p[0]}");\n'
    )
    assert {f.secret for f in blocking(scanner, php, "db.php")} == {
        p[6].encode(),
        p[7].encode(),
        p[0].encode(),
    }


def test_sql_grants_plugins_oracle_and_jdbc(scanner: Scanner) -> None:
    p = [secret("Q%%rand:alnum:13%%") for _ in range(6)]
    sql = (
        f"GRANT ALL ON shop.* TO 'shop'@'%' IDENTIFIED BY '{p[0]}';\n"
        f"CREATE USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY '{p[1]}';\n"
        f"CREATE USER app IDENTIFIED BY {p[2]};\n"
        f"EXEC sp_addlogin 'etl', '{p[3]}';\n"
    )
    assert {f.secret for f in blocking(scanner, sql, "db/init.sql")} == {v.encode() for v in p[:4]}
    java = f'Connection c = DriverManager.getConnection(url, "app", "{p[4]}");\n'
    assert [f.secret for f in blocking(scanner, java, "Db.java")] == [p[4].encode()]
    py = f'db = pymysql.connect("db.internal", "app", "{p[5]}", "shop")\n'
    assert [f.secret for f in blocking(scanner, py, "db.py")] == [p[5].encode()]


def test_sql_bind_parameters_stay_quiet(scanner: Scanner) -> None:
    text = (
        "CREATE USER app WITH PASSWORD :'app_password';\n"
        "ALTER LOGIN sa WITH PASSWORD = @pw;\n"
        "ALTER USER app WITH PASSWORD $1;\n"
        "SET PASSWORD FOR app = ?;\n"
        "ALTER ROLE app PASSWORD :password;\n"
        "$c = mysqli_connect($host, $user, $password, $db);\n"
        '$pdo = new PDO($dsn, $user, getenv("DB_PASS"));\n'
        "CREATE USER app IDENTIFIED BY :app_password;\n"
        "CREATE USER app IDENTIFIED BY &pw;\n"
        "EXEC sp_addlogin @loginame = 'etl', @passwd = @pw;\n"
    )
    assert blocking(scanner, text, "schema.sql") == []
    assert blocking(scanner, text, "db.php") == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (
            "config/locales/es.yml",
            'es:\n  password: "Contraseña"\n  password_confirm: "Confirmar contraseña"\n',
        ),
        ("es.yml", 'es:\n  password: "Contraseña"\n'),
        ("public/locales/de.json", '{"passwordHint": "Passwort eingeben", "password": "Passwort"}\n'),
        ("de.json", '{"password": "Passwort", "token": "Zugangstoken"}\n'),
        ("src/main/resources/messages_fr.properties", "login.password=Mot de passe\n"),
        ("app/src/main/res/values-ru/strings.xml", '<string name="password">Пароль</string>\n'),
        ("lib/l10n/app_pt.arb", '{"passwordLabel": "Senha"}\n'),
        ("ios/fr.lproj/Localizable.strings", '"password" = "Mot de passe";\n'),
        ("locale/pt_BR/LC_MESSAGES/django.po", 'msgid "Password"\nmsgstr "Senha"\n'),
    ],
)
def test_translated_labels_stay_quiet(scanner: Scanner, path: str, text: str) -> None:
    assert blocking(scanner, text, path) == []


def test_tokens_in_locale_files_still_block(scanner: Scanner) -> None:
    pw, tok = password(), token(32)
    text = f'{{"password": "{pw}", "api_token": "{tok}"}}\n'
    assert {f.secret for f in blocking(scanner, text, "locales/de.json")} == {pw.encode(), tok.encode()}


def test_ascii_word_outside_a_catalogue_still_counts(scanner: Scanner) -> None:
    """`password: "Passwort"` in a config file may be the password: only catalogues make words labels."""
    assert {f.rule_id for f in scanner.scan(b'password: "Sunflower"\n', "config/db.yml").findings} == {
        "generic-password-assignment"
    }


def cand(secret: bytes, path: str, rule: str = "generic-password-assignment") -> Candidate:
    return Candidate(
        rule=load().by_id[rule], secret=secret, line=b"", prev_line=b"", path=path, key=b"password"
    )


@pytest.mark.parametrize(
    ("secret", "path", "expected"),
    [
        ("Contraseña".encode(), "config/locales/es.yml", True),
        (b"Passwort eingeben", "de.json", True),
        (b"Passwort", "i18n/de/common.json", True),
        (b"Passwortschutz aktivieren", "config/locales/de.yml", True),
        (b"Enter password for {username}", "locales/en.json", True),
        (b"Mot de passe", "messages_fr.properties", True),
        (b"Senha", "app_pt.arb", True),
        (b"Password", "Base.lproj/Localizable.strings", True),
        # a generated-looking value in a catalogue is still a credential
        (b"xQzTrbWkePvLm", "locales/de.json", False),
        (b"Passw0rd2024", "locales/de.json", False),
        (b"kqzxwjvbtrpl", "locales/de.json", False),
        # not a catalogue: `db.yml` is no language code, nor is `settings.json`
        (b"Passwort", "db.yml", False),
        (b"Passwort", "settings.json", False),
        (b"Passwort", "config/app.yml", False),
    ],
)
def test_locale_file_label_predicate(secret: bytes, path: str, expected: bool) -> None:
    assert translations.is_locale_file_label(cand(secret, path)) is expected


def test_locale_predicates_are_for_generic_rules_only() -> None:
    # The scope lives in the registry entries: provider rules never reach these tests.
    label, word = filters.BY_NAME["locale-file-label"], filters.BY_NAME["natural-language-word"]
    assert not label.applies(cand(b"Contrasena", "locales/es.yml", rule="github-pat"))
    assert not word.applies(cand("Contraseña".encode(), "a.py", rule="github-pat"))
    assert label.applies(cand(b"Contrasena", "locales/es.yml"))
    assert word.applies(cand("Contraseña".encode(), "a.py"))


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("Contraseña".encode(), True),
        ("Пароль".encode(), True),
        ("Mot de passe oublié ?".encode(), True),
        ("Κωδικός πρόσβασης".encode(), True),
        (b"Passwort", False),  # ASCII: may be the password itself
        ("Contraseña123".encode(), False),  # a digit: a password built on a word
        ("pässWörd".encode(), False),  # case changes inside a word: not how a language writes one
        ("Xk9€q2Lm".encode(), False),
    ],
)
def test_natural_language_word_predicate(secret: bytes, expected: bool) -> None:
    assert translations.is_natural_language_word(cand(secret, "config/app.yml")) is expected


def test_scan_command_reports_a_joined_token_redacted(tmp_path: Path) -> None:
    token = secret("%%github:ghp_%%")
    (tmp_path / "client.js").write_text(f'const t = "{token[:10]}" +\n  "{token[10:]}";\n')
    out, err = io.StringIO(), io.StringIO()
    rc = scan.run((str(tmp_path),), no_git=True, opts=Options(fmt="json", out=out, err=err))
    doc = json.loads(out.getvalue())
    assert rc == 1
    assert [(f["rule"], f["line"]) for f in doc["findings"]] == [("github-pat", 1)]
    assert token not in out.getvalue() + err.getvalue()
    assert token[10:] not in out.getvalue() + err.getvalue()


def test_pre_commit_gate_blocks_a_split_token(repo: Repo) -> None:
    """The real staged gate, on a real index: a token split across lines blocks the commit."""
    token = secret("%%github:ghp_%%")
    repo.write("client.py", f'TOKEN = ("{token[:12]}"\n         "{token[12:]}")\n')
    repo.git("add", "client.py")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("credgate")), "secrets"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "github-pat" in proc.stdout + proc.stderr
    assert token not in proc.stdout + proc.stderr


def test_pre_commit_gate_blocks_when_only_the_last_piece_is_added(repo: Repo) -> None:
    """A split token reaches the gate whole even when the commit adds only its second line: the finding
    spans every piece's line, so the added-line check sees it."""
    token = secret("%%github:ghp_%%")
    repo.stage("client.py", f'TOKEN = ("{token[:12]}"\n         "placeholder")\n')
    repo.commit("first half")
    repo.stage("client.py", f'TOKEN = ("{token[:12]}"\n         "{token[12:]}")\n')
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("credgate")), "secrets"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "github-pat" in proc.stdout + proc.stderr
