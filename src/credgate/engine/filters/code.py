"""Code shapes: a context rule's value that is code, not a literal: references to a secret (`${VAR}`,
`os.environ[...]`), identifiers, types, regular expressions, conditional arms, constant names, comparisons.

Every pattern here reads scanned content, so every one runs on RE2 (linear time), compiled on first use.
"""

from __future__ import annotations

from credgate.engine import linear
from credgate.engine.filters.entry import ALL, GENERIC, PROVIDER, Candidate, Example, Filter
from credgate.engine.filters.text import (
    MEMBER_SPLIT_RE,
    PASSWORDISH_RE,
    followed_by,
    is_compared,
    shannon_entropy,
)

_lazy = linear.compile


CODE_EXTENSIONS = frozenset(
    "py pyi js jsx mjs cjs ts tsx mts cts go java kt kts scala rb php cs c h cc cpp hpp rs swift m mm dart"
    " lua pl groovy vue svelte ex exs erl clj fs vb r jl map".split()  # .map: a source map embeds the code
)


_REFERENCE_RE = _lazy(
    rb"\$\{|\$\(|\{\{|\}\}|<%|#\{|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$"
    rb"|os\.environ|process\.env|getenv|\bENV\[|System\.getenv|secrets\.|vault:|env\("
    rb"|%%[a-z0-9-]+(?::[^%\s]*)?%%"  # credgate's own example templates (synth.py)
)


_INTERPOLATION_RE = _lazy(rb"\{[A-Za-z_][A-Za-z0-9_.\[\]'\"()]*(?:![rsa])?(?::[^{}]*)?\}")


_CONCAT_RE = _lazy(rb"[\"']\s*(?:\+|\.|\|\|)\s*[\"'A-Za-z_]")  # "a" + "b", 'a' . $b, "a" || x
_FORMAT_RE = _lazy(rb"%[-#0 +]?\d*(?:\.\d+)?[sdrif]|%\([A-Za-z_]\w*\)[sdr]|\{\d*\}")


# Checks around a value found in its line: a search for the value plus one precompiled pattern. A regex
# built around each escaped value would cost a compile per candidate.
_CONCATENATED_TAIL = rb"[\"']\s*(?:\+|\.\s|%\s|\|\|)"


_NAMED_PARAMETER_RE = _lazy(rb"^:[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")


def _looks_random(value: bytes) -> bool:
    """A long value of five bits a character: a generated key that happens to hold `%r` or `{}`.

    Format strings mix a few specifiers into text, which keeps them well below that.
    """
    return len(value) >= 32 and shannon_entropy(value) >= 5.0


def is_reference(c: Candidate) -> bool:
    """`${VAR}`, `{{ secrets.X }}`, `os.environ[...]`: a pointer to a secret, not one."""
    if _REFERENCE_RE.search(c.secret) or c.secret + b"%%" in c.line or c.secret + b"${" in c.line:
        return True  # also a value that a template (`%%rand:...%%`, `${VAR}`) completes
    if not c.rule.generic:
        return False
    # `f"{prefix}{name}"` interpolates; a "value" opening with `)` or `,` began inside another string.
    if _INTERPOLATION_RE.search(c.secret) or c.secret[:1] in b")]},;+.":
        return True
    if c.secret[:1] == b"{" and b"}" not in c.secret:
        return True  # f"X = '{call('a')}'": the quote ended inside an interpolation
    # '%s:%s' % (...), "{}".format(...), and "' + var + '" are built at run time.
    stripped = c.secret.strip()
    if _FORMAT_RE.search(c.secret) and not _looks_random(c.secret):
        return True
    if stripped[:1] == b"+" or stripped[-1:] == b"+":
        return True
    if _CONCAT_RE.search(c.secret):
        return True
    if c.quoted and followed_by(c.line, c.secret, _CONCATENATED_TAIL):
        return True  # `"bearer " + content`: the literal is only the start of a value built at run time
    if _NAMED_PARAMETER_RE.match(c.secret):
        return True  # `token: ':remote-addr'`, `WHERE pwd = :pwd`: a named parameter or format token
    if not c.quoted and c.secret + b"(" in c.line:
        return True  # `auth=OAuth2Authentication()`: a call, in a README's code as much as in code
    # Unquoted brackets are code (`get()`, `cfg[key]`, `Optional[str]`), not a literal.
    return not c.quoted and any(ch in c.secret for ch in b"()[]{}<>")


_IDENTIFIER_RE = _lazy(rb"^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->|::)[A-Za-z_][A-Za-z0-9_]*)*$")


def is_code_identifier(c: Candidate) -> bool:
    """An unquoted value in source code is an expression (a variable), not a literal."""
    if c.quoted:
        return False
    if c.key is not None and (b"?" + c.key + b"=" in c.line or b"&" + c.key + b"=" in c.line):
        return False  # `...?api_key=VALUE` inside a URL string is a literal, whatever the file
    ext = c.path.rsplit(".", 1)[-1].lower() if "." in c.path.rsplit("/", 1)[-1] else ""
    if ext in CODE_EXTENSIONS:
        return True
    if _IDENTIFIER_RE.match(c.secret) is None or not (b"." in c.secret or b"->" in c.secret):
        return False
    # `tk.eyJ1...` or a dotted JWT is a token, not `config.db.password`: identifiers are not that long.
    return max(len(part) for part in MEMBER_SPLIT_RE.split(c.secret)) < 24


# A character class with a range, then a quantifier: `[a-zA-Z0-9\-._~+/]+={0,2}` is a pattern, not a value.
_REGEX_CLASS_RE = _lazy(rb"\[\^?[^\]]*[A-Za-z0-9]-[A-Za-z0-9][^\]]*\](?:[+*?]|\{[0-9])")


def is_regex_pattern(c: Candidate) -> bool:
    """`const token68Match = '[a-zA-Z0-9\\-\\._~+/]+={0,2}'`: a regular expression that describes tokens."""
    return _REGEX_CLASS_RE.search(c.secret) is not None


def is_type_union(c: Candidate) -> bool:
    """`type Mode = "optional" | "required"`: TypeScript literal unions name values, they hold none."""
    line = c.line.replace(b"||", b"  ")  # `process.env.X || "fallback"` is a default, not a union
    for q in (b'"', b"'"):
        quoted = q + c.secret + q
        if quoted + b"|" in line or quoted + b" |" in line or b"|" + quoted in line or b"| " + quoted in line:
            return True
    return False


_DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")


def is_type_declaration(c: Candidate) -> bool:
    """`xadd(key, entriesAdded: "ENTRIESADDED")` in a `.d.ts`: a declaration file holds types
    only, so a quoted value outside its comments is a literal type, never a value at run time."""
    if not c.path.endswith(_DECLARATION_SUFFIXES):
        return False
    return not c.line.lstrip().startswith((b"*", b"//", b"/*"))


# Capitalised words, maybe after a lower-case one and before an acronym: `InferenceEndpointInfoFireworksAI`.
_PASCAL_WORDS_RE = _lazy(rb"^(?:[a-z]{2,})?(?:[A-Z][a-z]{2,}){2,}[A-Z]{0,4}$")


def is_identifier_value(c: Candidate) -> bool:
    """`type FireworksResponse = InferenceEndpointInfoFireworksAI`: a name assigned to a provider's key
    name is a type or a class, not its key. Capitalised words without a digit are not what key
    generators make: 1 random 24-character alphanumeric value in 100,000 has that shape, 1 in 2 million
    at 32. (The context rules have their own, wider check for names: see is_key_echo.)"""
    if c.key is None:
        return False
    if len(c.secret) >= 8 and c.secret.lower() in c.key.lower():
        return True  # `exports.resolveVercelLsAgentType = resolveVercelLsAgentType`
    return _PASCAL_WORDS_RE.match(c.secret) is not None


_CONDITIONAL_HEAD_RE = _lazy(rb"\?[ \t]*(?:\"[^\"'\n]{0,80}\"|'[^\"'\n]{0,80}')[ \t]*:[ \t]*$")


def is_conditional_branch(c: Candidate) -> bool:
    """`auth ? "Auth Token" : "Unauthorized"`: the two arms of a conditional expression, not a key and
    its value, even though `"...Token": "..."` reads like one."""
    if b"?" not in c.line:
        return False
    for quote in (b'"', b"'"):
        at = c.line.find(quote + c.secret + quote)
        while at != -1:
            # Read backwards from the arm: `? "<other arm>" :` must come right before it.
            if _CONDITIONAL_HEAD_RE.search(c.line[max(0, at - 100) : at]):
                return True
            at = c.line.find(quote + c.secret + quote, at + 1)
    return False


_SNAKE_NAME_RE = _lazy(rb"^_*[a-z][a-z0-9]*(?:_[a-z0-9]+)+_*$")
_UPPER_WORD_RE = _lazy(rb"^[A-Z][A-Z0-9]{1,9}$")


def is_code_constant_name(c: Candidate) -> bool:
    """`TOKEN = "_password_reset_token"`, `token_source = "POST"`: in source code, a name or an enum word."""
    if not c.quoted:
        return False
    ext = c.path.rsplit(".", 1)[-1].lower() if "." in c.path.rsplit("/", 1)[-1] else ""
    if ext not in CODE_EXTENSIONS:
        return False
    return _SNAKE_NAME_RE.match(c.secret) is not None or _UPPER_WORD_RE.match(c.secret) is not None


def is_comparison_outside_passwords(c: Candidate) -> bool:
    """`if token == "#bygroup"` compares lexer tokens; `if password == "..."` is a hard-coded login."""
    if c.key is None or PASSWORDISH_RE.search(c.key):
        return False
    return is_compared(c.key, c.line)


REFERENCE = Filter(
    name="reference",
    test=is_reference,
    scope=ALL,
    summary="A pointer to a secret, not one: `${VAR}`, `{{ secrets.X }}`, `os.environ[...]`, `process.env`, "
    "`vault:`, a `%%...%%` template. For context rules also a value built at run time: an interpolation "
    '(`f"{name}"`), a format string, a concatenation, a named parameter (`:pwd`) or a call.',
    positives=(
        Example('password = "${DB_PASSWORD}"', "config.yml", "generic-password-assignment"),
        Example("password = conf.get_db_login()", "app.ini", "generic-password-assignment"),
    ),
    negatives=(Example('password = "%%rand:alnum:14%%"', "config.yml", "generic-password-assignment"),),
)

CODE_IDENTIFIER = Filter(
    name="code-identifier",
    test=is_code_identifier,
    scope=GENERIC,
    summary="An unquoted value in source code is an expression (a variable), not a literal; elsewhere a "
    "dotted name such as `config.db.password`. A value in a URL's query (`?api_key=...`) is still a literal.",
    positives=(Example("password = pw_from_vault", "app.py", "generic-password-assignment"),),
    negatives=(Example("password = %%rand:alnum:14%%", "app.ini", "generic-password-assignment"),),
)

REGEX_PATTERN = Filter(
    name="regex-pattern",
    test=is_regex_pattern,
    scope=GENERIC,
    summary="A regular expression that describes tokens (`'[a-zA-Z0-9\\-._~+/]+={0,2}'`): a character class "
    "with a range, then a quantifier.",
    positives=(
        Example("TOKEN_PATTERN = '[a-zA-Z0-9\\-._~+/]+={0,2}'", "auth.js", "generic-password-assignment"),
    ),
    negatives=(Example("TOKEN_PATTERN = '%%rand:alnum:24%%'", "auth.js", "generic-password-assignment"),),
)

TYPE_UNION = Filter(
    name="type-union",
    test=is_type_union,
    scope=GENERIC,
    summary='A TypeScript literal union (`type Mode = "optional" | "required"`): it names values and holds '
    'none. A `||` fallback (`process.env.X || "default"`) is not a union.',
    positives=(
        Example("let token: 'Ab3_optional' | 'Cd4_required';", "types.ts", "generic-password-assignment"),
    ),
    negatives=(Example("let token = '%%rand:alnum:24%%';", "types.ts", "generic-token-assignment"),),
)

TYPE_DECLARATION = Filter(
    name="type-declaration",
    test=is_type_declaration,
    scope=GENERIC,
    summary="A quoted value outside the comments of a `.d.ts` declaration file: declarations hold types "
    "only, so it is a literal type, never a value at run time.",
    positives=(Example('  accessToken: "ACCESSTOKENVALUE";', "index.d.ts", "generic-token-assignment"),),
    negatives=(Example('  accessToken: "%%rand:alnum:32%%";', "index.ts", "generic-token-assignment"),),
)

IDENTIFIER_VALUE = Filter(
    name="identifier-value",
    test=is_identifier_value,
    scope=PROVIDER,
    summary="A name assigned to a provider's key name "
    "(`FIREWORKS_API_KEY = InferenceEndpointInfoFireworksAI`): capitalised words without a digit, "
    "or the key's own name, are a type or a class, not its key.",
    positives=(
        Example("FIREWORKS_API_KEY = InferenceEndpointInfoFireworksAI", "models.txt", "fireworks-api-key"),
    ),
    negatives=(Example("FIREWORKS_API_KEY = fw_%%rand:alnum:24%%", "models.txt", "fireworks-api-key"),),
)

CONDITIONAL_BRANCH = Filter(
    name="conditional-branch",
    test=is_conditional_branch,
    scope=GENERIC,
    summary='The two arms of a conditional expression (`auth ? "Auth Token" : "Unauthorized"`), which read '
    "like a key and its value.",
    positives=(
        Example(
            'const m = `Method: ${e.auth.type?"Auth Token":"Unauthorized"}`',
            "chunk.cjs",
            "generic-password-assignment",
        ),
    ),
    negatives=(
        Example(
            'headers = {"Auth Token": "%%rand:alnum:23%%%%rand:digit:1%%"}',
            "client.py",
            "generic-token-assignment",
        ),
    ),
)

CODE_CONSTANT_NAME = Filter(
    name="code-constant-name",
    test=is_code_constant_name,
    scope=GENERIC,
    summary="In source code, a quoted snake_case name or a short upper-case word "
    '(`TOKEN = "_password_reset_token"`, `token_source = "POST"`): a name or an enum word.',
    positives=(Example('TOKEN = "reset_session_state"', "views.py", "generic-password-assignment"),),
    negatives=(Example('TOKEN = "reset_session_state"', "views.ini", "generic-password-assignment"),),
)

COMPARISON_OUTSIDE_PASSWORDS = Filter(
    name="comparison-outside-passwords",
    test=is_comparison_outside_passwords,
    scope=GENERIC,
    summary='A comparison under a name that is not a password\'s (`if token == "#bygroup"` compares lexer '
    'tokens); `if password == "..."` is a hard-coded login and still counts.',
    positives=(Example('if token == "#begin_group_block":', "lexer.py", "generic-password-assignment"),),
    negatives=(Example('if password == "%%rand:alnum:16%%":', "lexer.py", "generic-password-assignment"),),
)
