"""Markdown to safe HTML, and HTML to searchable plain text.

markdown-it-py (a CommonMark parser kept by the executablebooks project) turns headquarters'
Markdown into HTML; nh3 (Python bindings of the Rust ``ammonia`` sanitiser) then keeps only an
allow-list of tags, attributes and URL schemes. Raw HTML in the Markdown is allowed through the
parser on purpose, so that the sanitiser, not the parser's escaping, is what the XSS tests
exercise: nothing that runs script (``<script>``, ``on*=`` handlers, ``javascript:`` and
``data:`` URLs, ``<style>``, ``<iframe>``, ``<svg>``, forms) survives it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "dl", "dt", "em",
    "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "pre", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_parser.enable("table")
_parser.enable("strikethrough")


@dataclass(frozen=True)
class Heading:
    """A second-level heading of a rendered page, for its table of contents."""

    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """A page body ready for a template: safe HTML and its contents list."""

    html: Markup
    headings: tuple[Heading, ...]


# Elements whose whole content the sanitiser drops, and the comment opener. Left unclosed, each
# would take the rest of the page with it (a browser reads to the end of the document).
_SWALLOWING = re.compile(r"<(script|style)\b|<!--", re.IGNORECASE)


def _escape_unclosed(raw_html: str) -> str:
    """Show an unclosed ``<style>``, ``<script>`` or ``<!--`` as text, keeping what follows.

    A closed one is still removed with its content by the sanitiser, as before.
    """
    pieces, start = [], 0
    for match in _SWALLOWING.finditer(raw_html):
        closer = f"</{match.group(1)}" if match.group(1) else "-->"
        if closer.lower() in raw_html[match.end() :].lower():
            continue
        pieces += [raw_html[start : match.start()], "&lt;"]
        start = match.start() + 1
    return "".join(pieces) + raw_html[start:]


def sanitise(raw_html: str) -> str:
    """Keep only the allow-listed markup; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        _escape_unclosed(raw_html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


WIDE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _join_japanese_lines(children: list) -> None:
    """A line break inside a paragraph next to Japanese text joins the lines with no space, and
    so does the space after emphasis between two Japanese characters.

    CommonMark keeps it as a newline, which browsers show as a space between two Japanese
    sentences (「義務ではありません。 マイナンバー法は」); Japanese is written without one.
    """
    for index, child in enumerate(children):
        before = next((c.content for c in reversed(children[:index]) if c.content), "")
        after = next((c.content for c in children[index + 1 :] if c.content), "")
        if child.type == "softbreak":
            if WIDE.match(before[-1:]) or WIDE.match(after[:1]):
                child.type, child.content = "text", ""
        elif child.type == "text" and index and children[index - 1].type.endswith("_close"):
            # 「**義務ではありません。** 番号利用法では」: CommonMark needs the space to close the
            # emphasis after 。, but a Japanese reader must not see it.
            rest = child.content.lstrip(" ")
            if rest != child.content and WIDE.match(before[-1:]) and WIDE.match(rest[:1]):
                child.content = rest


@lru_cache(maxsize=256)
def render(markdown: str, anchors: str = "s") -> Rendered:
    """Render Markdown to sanitised HTML; every ``##`` heading gets a stable anchor (s1, s2…
    on the published page). A page that shows two texts side by side (both languages of a
    revision, a preview) gives each its own ``anchors`` prefix, so no id is used twice on it
    (review R4-9)."""
    tokens = _parser.parse(markdown or "")
    headings: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            anchor = f"{anchors}{len(headings) + 1}"
            token.attrSet("id", anchor)
            inline = tokens[index + 1]
            headings.append(Heading(anchor, inline.content))
        if token.type == "inline" and token.children:
            _join_japanese_lines(token.children)
    raw = _parser.renderer.render(tokens, _parser.options, {})
    return Rendered(Markup(sanitise(raw)), tuple(headings))  # noqa: S704 - sanitised just now


@lru_cache(maxsize=512)
def plain_text(markdown: str) -> str:
    """The words of a Markdown text without any markup, whitespace collapsed: to one space
    between Latin words; next to Japanese, to nothing after a closing mark (「。」「）」…), as
    Japanese text runs on, and elsewhere to an ideographic space (a heading, then its text)."""
    stripped = nh3.clean(str(render(markdown).html), tags=set(), attributes={})
    return _SPACE_RUN.sub(_join, html.unescape(stripped)).strip()


_JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CLOSING = set("。、，．！？」』）】〕")
_SPACE_RUN = re.compile(r"(?<=(.))\s+(?=(.))|\s+", re.S)


def _join(match: re.Match) -> str:
    before, after = match.group(1), match.group(2)
    if before is None or after is None:
        return " "
    if before in _CLOSING:
        return ""
    return "\u3000" if _JAPANESE.match(before) or _JAPANESE.match(after) else " "


def normalise(text: str) -> str:
    """Fold width, compatibility forms and case so that ＡＢＣ, ABC and abc match alike."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()
