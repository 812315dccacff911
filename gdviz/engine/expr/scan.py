"""Checks on the raw text that run before Python's parser ever sees it.

In order, each stopping at the first problem:

1. length: more than MAX_EXPR_CHARS characters is refused before a single
   character is read (a megabyte string costs nothing);
2. characters: only ASCII letters, digits, spaces and ``+ - * / ^ ( ) . , _``;
   anything else is named with its column — a unicode minus or a Cyrillic х
   gets the ASCII character to type instead; ``;``, a newline, ``=``,
   quotes, brackets … get a sentence saying why;
3. parentheses: balanced, and nested at most MAX_PAREN_DEPTH deep (so
   100,000 nested parentheses never reach the parser);
4. tokens: well-formed numbers with a bounded exponent, no Python keywords
   (import, lambda, not, if …), and no implicit products: ``2x`` → "write 2*x".

``scan`` returns the text to hand to ``ast.parse`` — stripped, with ``^``
written as ``**`` (teachers type x^2; Python would read ^ as XOR, with the
wrong precedence) — and, for each of its columns, the column in the text as
typed, so every error points at what the person typed.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass

from .errors import ExprError
from .functions import canonical_name
from .limits import MAX_EXPR_CHARS, MAX_LITERAL_EXPONENT, MAX_PAREN_DEPTH
from .tree import CONSTANTS, VARIABLES

ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t+-*/^().,_")

_SYMBOL_REASONS = {
    ";": "';' is not allowed — type one expression",
    "\n": "a line break is not allowed — type the expression on one line",
    "\r": "a line break is not allowed — type the expression on one line",
    "=": "'=' is not allowed — type only the right-hand side, e.g. x**2 + y**2",
    "<": "'<' is not allowed — comparisons are not part of a formula",
    ">": "'>' is not allowed — comparisons are not part of a formula",
    "!": "'!' is not allowed",
    "%": "'%' (remainder) is not allowed",
    "@": "'@' is not allowed — use * to multiply",
    "&": "'&' is not allowed",
    "|": "'|' is not allowed — write abs(x) for |x|",
    "~": "'~' is not allowed",
    "'": "quotes are not allowed — an expression has no text in it",
    '"': "quotes are not allowed — an expression has no text in it",
    "`": "'`' is not allowed",
    "[": "'[' is not allowed — use ( ) for grouping",
    "]": "']' is not allowed — use ( ) for grouping",
    "{": "'{' is not allowed — use ( ) for grouping",
    "}": "'}' is not allowed — use ( ) for grouping",
    ":": "':' is not allowed",
    "#": "'#' is not allowed",
    "\\": "'\\' is not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
}

# Characters people paste from slides and word processors, and letters that look
# like ASCII ones (Cyrillic, Greek): what to type instead.
_LOOKALIKES = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u2022": "*", "\u2217": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\u00b2": "**2 (or ^2)", "\u00b3": "**3 (or ^3)", "\u00b9": "**1",
    "\u03c0": "pi", "\u212f": "e", "\u221a": "sqrt(…)", "\u00a0": "a plain space",
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y",
    "\u0445": "x", "\u0456": "i", "\u0455": "s", "\u0458": "j", "\u0410": "A", "\u0415": "E",
    "\u0425": "X", "\u0423": "Y", "\u03bf": "o", "\u03b1": "a", "\u03c7": "x", "\u03b3": "y",
    "\u0131": "i", "\u2018": "nothing (quotes)", "\u2019": "nothing (quotes)",
    "\u201c": "nothing (quotes)", "\u201d": "nothing (quotes)",
}


@dataclass(frozen=True)
class Scanned:
    """Text ready for ``ast.parse`` and, per column of it, the column as typed."""

    source: str
    origin: tuple[int, ...]

    def column(self, i: int) -> int:
        """The typed column of source column ``i`` (clamped to the text)."""
        if not self.origin:
            return 0
        return self.origin[max(0, min(i, len(self.origin) - 1))]

    def end_column(self, i: int) -> int:
        """The typed column just after source column ``i - 1``."""
        return self.column(i - 1) + 1 if i > 0 else self.column(0)


def _non_ascii(ch: str, at: int) -> ExprError:
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    printable = ch.isprintable() and not ch.isspace() and unicodedata.category(ch)[0] != "C"
    shown = f"'{ch}' ({name}, {code})" if printable and name else f"{name or 'character'} ({code})"
    suggestion = _LOOKALIKES.get(ch)
    if suggestion is None:
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and folded.isascii() and folded.strip():
            suggestion = folded
    if suggestion is None and unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp"):
        suggestion = "nothing (delete it)" if unicodedata.category(ch) == "Cf" else "a plain space"
    hint = f" — type {suggestion} instead" if suggestion else " — only ASCII characters are allowed"
    return ExprError(f"the character {shown} is not allowed{hint}", at)


def _check_characters(text: str) -> None:
    """The first character outside ``ALLOWED`` — unless a forbidden word comes before it
    ("lambda: 1" is refused for 'lambda', not for ':')."""
    for i, ch in enumerate(text):
        if ch in ALLOWED:
            continue
        for tok in tokens(text[:i]):
            _check_word(tok)
        if not ch.isascii():
            raise _non_ascii(ch, i)
        reason = _SYMBOL_REASONS.get(ch)
        if ch == "=" and text[:i].count("(") > text[:i].count(")"):
            reason = "'=' is not allowed — a function takes plain arguments, e.g. sin(x)"
        if reason is None:
            reason = f"the control character U+{ord(ch):04X} is not allowed"
        raise ExprError(reason, i)


def _check_parentheses(text: str) -> None:
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            opened.append(i)
            if len(opened) > MAX_PAREN_DEPTH:
                raise ExprError(f"parentheses are nested more than {MAX_PAREN_DEPTH} deep", i)
        elif ch == ")":
            if not opened:
                raise ExprError("this ')' has no matching '('", i)
            opened.pop()
    if opened:
        raise ExprError("this '(' is never closed", opened[-1])


_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"(?P<space>\s+)|(?P<num>{_NUMBER})|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|//|[-+*/^(),.])")
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")
_KEYWORD_HINT = {
    "and": "logic is not part of a formula", "or": "logic is not part of a formula",
    "not": "logic is not part of a formula", "if": "write the formula without conditions",
    "else": "write the formula without conditions", "True": "write 1", "False": "write 0",
    "None": "write a number", "lambda": "write the formula itself",
}


@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The text's tokens (spaces dropped). Every character of a checked text is covered."""
    out = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup != "space":
            out.append(Token(m.lastgroup, m.group(), m.start(), m.end()))
    return out


def _is_value_name(name: str) -> bool:
    return name in VARIABLES or name in CONSTANTS


def _shown(tok: Token) -> str:
    return {"(": "(…)", ")": "(…)"}.get(tok.text, tok.text)


def _check_word(tok: Token) -> None:
    """Python keywords (import, lambda, not …) and dunder names (__import__) are refused."""
    if tok.kind != "name":
        return
    if keyword.iskeyword(tok.text):
        hint = _KEYWORD_HINT.get(tok.text)
        raise ExprError(f"'{tok.text}' is not allowed" + (f" — {hint}" if hint else ""),
                        tok.start, tok.end)
    if tok.text.startswith("__"):
        raise ExprError(f"'{tok.text}' is not allowed — names with __ are Python internals",
                        tok.start, tok.end)


def _check_tokens(text: str, toks: list[Token]) -> None:
    for i, tok in enumerate(toks):
        _check_word(tok)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        glued = nxt is not None and nxt.start == tok.end
        if tok.text == "." and nxt is not None and nxt.kind == "name":
            raise ExprError(f"attribute access (.{nxt.text}) is not allowed", tok.start, nxt.end)
        if tok.kind == "num":
            if glued and (nxt.text in (".", "_") or nxt.kind == "num" or nxt.text[0] == "_"):
                raise ExprError(f"'{text[tok.start:nxt.end]}' is not a number", tok.start, nxt.end)
            if glued and tok.text == "0" and nxt.kind == "name" and nxt.text[0] in "xXoObB":
                raise ExprError(f"'{tok.text}{nxt.text}' is not allowed — write numbers in decimal",
                                tok.start, nxt.end)
            if glued and nxt.kind == "name" and nxt.text in ("j", "J"):
                raise ExprError(f"complex numbers such as '{tok.text}{nxt.text}' are not allowed",
                                tok.start, nxt.end)
            if len(tok.text) > 1 and tok.text[0] == "0" and tok.text.isdigit():
                raise ExprError(f"write {tok.text.lstrip('0') or '0'}, not {tok.text}",
                                tok.start, tok.end)
            exponent = _EXPONENT.search(tok.text)
            if exponent and abs(int(exponent.group(1))) > MAX_LITERAL_EXPONENT:
                raise ExprError(f"the number {tok.text} is out of range", tok.start, tok.end)
        elif tok.kind == "name" and canonical_name(tok.text) and (nxt is None or nxt.text != "("):
            raise ExprError(f"'{tok.text}' is a function — write {tok.text}(…) with parentheses",
                            tok.start, tok.end)
        ends_value = (tok.kind == "num" or tok.text == ")"
                      or tok.kind == "name" and _is_value_name(tok.text))
        if ends_value and nxt is not None and (nxt.kind in ("num", "name") or nxt.text == "("):
            _check_word(nxt)
            raise ExprError(f"write {_shown(tok)}*{_shown(nxt)} — a product needs '*'",
                            nxt.start, nxt.end)


def scan(text) -> Scanned:
    """Check ``text`` (see the module docstring); the text to parse, or ExprError."""
    if not isinstance(text, str):
        raise ExprError("the expression must be text", 0)
    if len(text) > MAX_EXPR_CHARS:
        raise ExprError(f"the expression is {len(text):,} characters long; the limit is "
                        f"{MAX_EXPR_CHARS}", MAX_EXPR_CHARS, len(text))
    _check_characters(text)
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        raise ExprError("type an expression in x and y, e.g. x**2 + y**2", 0)
    _check_parentheses(text)
    _check_tokens(text, tokens(text))
    source, origin = [], []
    for i, ch in enumerate(body, start=lead):
        if ch == "^":
            source.append("**")
            origin.extend((i, i))
        else:
            source.append(ch)
            origin.append(i)
    return Scanned("".join(source), tuple(origin))
