"""One escaping function per output language: every writer that puts a user's text
(a title, a node's label, a student's answer) into a page, a PDF, a quiz file, a
spreadsheet or a drawing goes through one of these, so the text is shown as text and
never read as markup, a command or a formula.

    html(text)              HTML and SVG (text and quoted attribute values alike)
    script_json(value)      JSON data inside an HTML <script> element
    xml(text)               XML 1.0 (Moodle XML, QTI): markup and characters XML forbids
    tex(text)               LaTeX text mode: \\input{/etc/hostname} prints as written
    gift(text)              Moodle's GIFT quiz format
    spreadsheet_cell(x)     a CSV cell a spreadsheet opens: never a formula (OWASP)
    spreadsheet_text(cell)  the text such a cell stood for (the inverse, for readers)
    dot(text)               the inside of a quoted Graphviz string (a label or an ID)
    visible(text)           text whose every character can be drawn or printed on a terminal

Each function takes any value (not a str is shown as str()) and returns a str.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata

__all__ = ["html", "script_json", "xml", "tex", "gift", "spreadsheet_cell", "spreadsheet_text", "dot",
           "visible", "REPLACEMENT"]

# U+FFFD, what HTML parsers themselves put for a character they cannot keep.
REPLACEMENT = "\ufffd"

# Characters XML 1.0 forbids (§2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD]
# | [#x10000-#x10FFFF]): the other C0 controls, lone surrogates (they cannot be written as
# UTF-8 either) and U+FFFE/U+FFFF. Even as &#1; a reference to them is not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_MARKUP = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
           # A carriage return is kept as a reference: a parser turns a raw CR (and CR LF) into LF.
           "\r": "&#13;"}
# Inside an attribute an XML parser also turns a raw tab or newline into a space (§3.3.3).
_ATTRIBUTE = {**_MARKUP, "\t": "&#9;", "\n": "&#10;"}
_MARKUP_RE = re.compile("[&<>\"'\r]")
_ATTRIBUTE_RE = re.compile("[&<>\"'\r\t\n]")


def _text(value) -> str:
    return value if isinstance(value, str) else str(value)


def xml(text, *, attribute: bool = False, markup: bool = True) -> str:
    """`text` as XML 1.0 character data: & < > " ' written as references (so the result is
    safe inside a quoted attribute too), characters XML forbids replaced by U+FFFD, a CR
    kept as &#13;. With attribute=True tabs and newlines are kept as references as well,
    which an attribute's whitespace normalisation would otherwise turn into spaces.
    With markup=False only the forbidden characters are replaced: text for a library that
    writes the markup itself (xml.etree escapes & < > but writes a \x01 as it is, and
    the file is then unreadable)."""
    text = _NOT_XML.sub(REPLACEMENT, _text(text))
    if not markup:
        return text
    table, pattern = (_ATTRIBUTE, _ATTRIBUTE_RE) if attribute else (_MARKUP, _MARKUP_RE)
    return pattern.sub(lambda m: table[m.group()], text)


def html(text) -> str:
    """`text` for an HTML or SVG page, in an element or in a quoted attribute value
    (HTML §13.1.2.3/§13.1.4: & < > " ' as references). Characters XML 1.0 forbids become
    U+FFFD, so the same string also serves an SVG file read as XML."""
    return xml(text)


def script_json(value, **options) -> str:
    """`value` as JSON for the inside of an HTML <script> element (json.dumps with `options`):
    every < is written \\u003c, which JSON reads as the same character, so no string in
    the data can write "</script>" or "<!--" and end or change the script (HTML, "Restrictions
    for contents of script elements")."""
    return json.dumps(value, **options).replace("<", "\\u003c")


# LaTeX's ten special characters (The LaTeX Companion §7.1; Lamport, LaTeX §3.2.1), and
# < > | which the default OT1 font encoding would print as ¡ ¿ —.
_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
        "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
        "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
        # A blank line would end the paragraph (an error inside \section*{…}): whitespace is a space.
        "\n": " ", "\r": " ", "\t": " "}
_TEX_RE = re.compile(r"[\\{}$&%#_~^<>|\n\r\t]")
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def tex(text) -> str:
    """`text` for LaTeX's text mode (a title, a name), printed exactly as written: the ten
    specials \\ { } $ & % # _ ~ ^ become commands (so \\input{/etc/hostname} prints those
    characters and reads no file), < > | print as themselves, newlines and tabs are spaces,
    and other control characters (which TeX refuses as "invalid character") and lone
    surrogates become "?" (pdflatex has no glyph set up for U+FFFD either)."""
    text = _TEX_RE.sub(lambda m: _TEX[m.group()], _text(text))
    return _CONTROL.sub("?", text)


# Moodle's GIFT format: "~ = # { } :" are escaped with a backslash, and so is the backslash;
# a line break inside a question's text is written \n (Moodle docs, "GIFT format", Special characters).
# A lone surrogate cannot be written as UTF-8 at all: it becomes U+FFFD.
_GIFT = {"~": r"\~", "=": r"\=", "#": r"\#", "{": r"\{", "}": r"\}", ":": r"\:", "\\": "\\\\",
         "\n": r"\n", "\r": ""}
_GIFT_RE = re.compile("[~=#{}:\\\\\n\r\ud800-\udfff]")


def gift(text) -> str:
    """`text` inside a GIFT question (title, text or answer): the GIFT specials ~ = # { } :
    and the backslash escaped with a backslash, a newline written \\n, so the whole text stays
    on one line (a line starting // or $CATEGORY: is never made); a CR is dropped and a lone
    surrogate (not writable as UTF-8) becomes U+FFFD."""
    return _GIFT_RE.sub(lambda m: _GIFT.get(m.group(), REPLACEMENT), _text(text))


# OWASP, "CSV Injection": a cell beginning with = + - @ tab or carriage return may be run as a
# formula; prefix it with a single quote. A leading quote is itself doubled, so
# `spreadsheet_text` can undo the prefix exactly.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
# A plain decimal number (what every spreadsheet reads as a number, not a formula).
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_cell(value):
    """`value` as a CSV cell that a spreadsheet (Excel, LibreOffice, Google Sheets) shows
    and never evaluates (OWASP CSV Injection): a finite int or float, or a string that is a
    plain decimal number like "-0.5", is returned unchanged (it stays a number); any other
    cell starting with = + - @ tab or CR (or a single quote) gets a single quote in front.
    None is the empty cell. Quoting of commas and quotes is left to the csv module."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    text = _text(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def spreadsheet_text(cell: str) -> str:
    """The text a cell written by `spreadsheet_cell` stood for: the one single quote put in
    front of a would-be formula is taken off again ("'=1+41" → "=1+41"); other cells are as read."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


def visible(text) -> str:
    """`text` as a string whose every character can be drawn: anything not a str is
    shown as str(); a newline becomes a space; other control characters, lone
    surrogates and unassigned code points are written as their escape, \\x00 or \\ud800."""
    text = text if isinstance(text, str) else str(text)
    out = []
    for ch in text:
        if ch == "\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Cn"):
            out.append(ascii(ch)[1:-1])  # "\x00", "\ud800"
        else:
            out.append(ch)
    return "".join(out)


def dot(text, *, record: bool = False) -> str:
    """`text` as the inside of a double-quoted Graphviz string (a label or an ID), drawn
    exactly as given (DOT language: only \\" is an escape in a quoted string, but labels
    read \\n \\l \\N … and HTML entities): backslash doubled, " as \\", & as &amp;, a newline
    as a space, other control characters shown as their escape (\\x00). With record=True
    the record-structure characters { } | < > are escaped too (a field of a record label).
    Write f'"{dot(text)}"' in DOT source; the graphviz package adds the quotes itself
    (pass graphviz.nohtml(dot(text)) so a label like <b> is not taken for HTML)."""
    out = []
    for ch in visible(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "&":
            out.append("&amp;")
        elif record and ch in "{}|<>":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)
