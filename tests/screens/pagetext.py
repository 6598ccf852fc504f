"""Reading a page as a Japanese reader does: its visible text line by line, and what is wrong in it.

The checks are the house rules for Japanese pages (see COMMON.md and issue 15): no framework
message, no ASCII colon or parenthesis and no half-width space next to Japanese text, no ISO
date in running text, no Latin-letter code outside code-like places, no unstyled submit button,
no attribute that says ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose start and end break a line of text (the rest flow inline).
BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "img",
    "input",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "optgroup",
    "option",
    "p",
    "section",
    "select",
    "summary",
    "table",
    "tbody",
    "td",
    "text",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "svg",
    "tspan",
    "desc",
}
# Text inside these is not running text: code, scripts, what a person typed into a field.
SKIP = {"script", "style", "code", "kbd", "samp", "pre", "textarea", "template", "noscript"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

JA = r"\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60"
JA_CHAR = re.compile(f"[{JA}]")
ASCII_PUNCT_NEXT_TO_JA = re.compile(f"[{JA}][:()]|[:()][{JA}]")
SPACE_NEXT_TO_JA = re.compile(f"[{JA}][ \u00a0]|[ \u00a0][{JA}]")
# Spaces a Japanese page keeps: after a list number at the start of a heading ("1. "), between a
# date and its time (2026年12月1日 20:31), and around a web address (which must stand apart).
ALLOWED_SPACES = re.compile(r"^\d+\. |(?<=日) (?=\d{1,2}:\d\d)")
URL_WITH_SPACES = re.compile(r" ?(?:\S+@\S+\.\w+|https?://\S+) ?")
# Words a Japanese union office would not use in a page (review R3-19): goods "shipped" for the
# platform's own page texts, HTTP's "request" and "method", ブラウザ without the long vowel
# (the 2022 公用文 style writes ブラウザー), and an example repeated inside a message.
JARGON = re.compile(r"出荷|リクエスト|メソッド|ブラウザ(?!ー)|例：[^。）]*）を(?:入力|選)")
ISO_DATE = re.compile(
    r"(?<![\d-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?(?![\d-])"
)
# Identifiers as a program writes them: state_changed, case.state_changed, body_ja, r1, r12.
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b|\br\d+\b|\bNone\b")
# Addresses, web addresses, paths, domain names (iuris.jp) and file extensions (Word（.docx）)
# are written as they are, like code.
EMAIL_OR_URL = re.compile(
    r"\S+@\S+|https?://\S+|/\S*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:jp|com|org|net)\b"
    r"|(?<![\w.])\.[a-z]{3,4}\b"
)
# Words in Latin letters that a Japanese page may use as they are.
LATIN_ALLOWED = {
    "CSV",
    "XLSX",
    "PDF",
    "QR",
    "URL",
    "ID",
    "OK",
    "IC",
    "A4",
    "e-Gov",
    "J-LIS",
    "eLTAX",
    "TOTP",
    "FAQ",
    "Excel",
    "Naishin",
    "English",
    "Web",
    "SVG",
    "JavaScript",
    "My",
    "Number",
    "Markdown",
    "SNS",
    "Cookie",
    "IP",
    "JPEG",
    "PNG",
    "Word",
    "MB",
    "KB",
    "HTML",
    "LINE",
    "BCN",
}
FRAMEWORK_MESSAGES = (
    "このフィールド",
    "フィールドは",
    "でなければなりません",
    "でなければいけません",
    "有効な選択肢",
    "有効な日付",
    "有効な整数",
    "This field is required",
    "Not a valid",
    "Invalid Choice",
    "Invalid choice",
    "is not a valid choice",
    "Field must be",
    "Number must be",
    "CSRF token",
    "Invalid input",
)


@dataclass
class Node:
    """An element: its tag, attributes and children (strings or nodes)."""

    tag: str
    attrs: dict
    parent: Node | None = None
    children: list = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(
            Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        )

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    """The page as a tree of nodes."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def walk(node: Node):
    """Every element below ``node``, depth first."""
    for child in node.children:
        if isinstance(child, Node):
            yield child
            yield from walk(child)


def _code_like(node: Node) -> bool:
    classes = node.attrs.get("class", "").split()
    return (
        node.tag in SKIP
        or "code" in classes
        or node.attrs.get("translate") == "no"
        or node.attrs.get("lang", "ja").split("-")[0] not in ("ja", "")
        or "hidden" in node.attrs
        or node.attrs.get("aria-hidden") == "true"
    )


def lines(html: str) -> list[str]:
    """The visible running text of a page, one string per line as a browser would break it."""
    out: list[str] = [""]

    def visit(node: Node) -> None:
        children = node.children
        for index, child in enumerate(children):
            if isinstance(child, str):
                between_elements = (
                    not child.strip()
                    and 0 < index < len(children) - 1
                    and isinstance(children[index - 1], Node)
                    and isinstance(children[index + 1], Node)
                )
                # Indentation between two elements (menu items, flex or grid children) is not a
                # space a reader sees; a space inside a sentence is.
                out[-1] += "\x00" if between_elements else child
                continue
            if _code_like(child):
                # Code-like text is a word of its own, so it joins no Japanese text.
                out[-1] += "\x00"
                continue
            block = child.tag in BLOCK
            if block:
                out.append("")
            visit(child)
            if block:
                out.append("")

    visit(parse(html))
    result = []
    for line in out:
        # Only ASCII white space collapses: a full-width space (「総務大臣　殿」) is a character.
        text = re.sub(r"[ \t\r\n\f\v]+", " ", line).strip(" \t\r\n\f\v")
        if text.replace("\x00", "").strip():
            result.append(text)
    return result


@dataclass
class Problem:
    """One rule broken on one page."""

    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text!r}"


def _latin_words(text: str) -> list[str]:
    text = EMAIL_OR_URL.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-]*", text)
    return [w for w in words if w not in LATIN_ALLOWED and len(w) > 1]


def text_problems(html: str) -> list[Problem]:
    """What a Japanese reader would stumble on in the text (one problem per rule and line)."""
    found = _text_problems(html)
    unique = {(p.rule, p.text): p for p in found}
    return list(unique.values())


def _text_problems(html: str) -> list[Problem]:
    problems = []
    for raw in lines(html):
        line = raw.replace("\x00", " ").strip()
        if not JA_CHAR.search(line):
            # A line without Japanese (a number, a name in Latin letters) breaks no Japanese rule,
            # unless it is an English sentence left untranslated.
            if len(_latin_words(line)) >= 2:
                problems.append(Problem("English on a Japanese page", line))
            continue
        for message in FRAMEWORK_MESSAGES:
            if message in line:
                problems.append(Problem("framework message", line))
        if JARGON.search(line):
            problems.append(Problem("wording a union office would not use", line))
        if ASCII_PUNCT_NEXT_TO_JA.search(raw):
            problems.append(Problem("ASCII punctuation next to Japanese", line))
        spaced = ALLOWED_SPACES.sub("", URL_WITH_SPACES.sub("", raw.replace("\x00", "")).strip())
        if SPACE_NEXT_TO_JA.search(spaced):
            problems.append(Problem("space next to Japanese", line))
        if ISO_DATE.search(line):
            problems.append(Problem("ISO date in running text", line))
        if CODE.search(EMAIL_OR_URL.sub(" ", line)):
            problems.append(Problem("code in running text", line))
        words = _latin_words(line)
        if words:
            problems.append(Problem("Latin letters in Japanese text", f"{words} in {line}"))
    return problems


def _duplicate_ids(root: Node) -> dict[str, list[str]]:
    """Ids that more than one element carries, with those elements' tags. A label's ``for``, a
    hint's ``aria-describedby`` and the browser's "required" message find the first element of
    an id only, so a second form's field is labelled and described by the first's (review R4-9);
    a fragment link jumps to the first alone. Hidden inputs too: HTML allows an id once per
    page, whatever carries it, and a checker (or a script) stops at the first; the CSRF token of
    each form was id="csrf_token" until it was rendered without one (campaign/forms.py)."""
    tags: dict[str, list[str]] = {}
    for node in walk(root):
        if "id" in node.attrs:
            tags.setdefault(node.attrs["id"], []).append(node.tag)
    return {value: found for value, found in tags.items() if len(found) > 1}


def markup_problems(html: str) -> list[Problem]:
    """Controls that look unfinished or mislead a screen reader."""
    root = parse(html)
    ids = {node.attrs["id"] for node in walk(root) if "id" in node.attrs}
    problems = [
        Problem("id used twice", f"id={value} on {', '.join(tags)}")
        for value, tags in _duplicate_ids(root).items()
    ]
    for node in walk(root):
        for name, value in node.attrs.items():
            if value in ("None", "False", "True") and name != "value":
                problems.append(
                    Problem("attribute written from Python", f"<{node.tag} {name}={value}>")
                )
            if name in ("aria-describedby", "aria-labelledby", "for") and value:
                missing = [ref for ref in value.split() if ref not in ids]
                if missing:
                    problems.append(Problem(f"{name} names no element", f"<{node.tag}> {missing}"))
        kind = node.attrs.get("type", "")
        if node.tag == "input" and kind in ("submit", "button", "reset", "image"):
            problems.append(
                Problem(
                    "unstyled submit button", f"<input type={kind} value={node.attrs.get('value')}>"
                )
            )
        if node.tag == "form":
            buttons = [
                n
                for n in walk(node)
                if n.tag == "button" and n.attrs.get("type", "submit") == "submit"
            ]
            primaries = [b for b in buttons if "primary" in b.attrs.get("class", "").split()]
            if len(buttons) > 1 and len(primaries) != 1:
                problems.append(
                    Problem(
                        "form without one primary action",
                        f"{len(buttons)} buttons, {len(primaries)} primary",
                    )
                )
    return problems
