"""HTML from email: readable plain text, and sanitised HTML for display.

See docs/email.md ("Parsing").
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

# What the desk may show of a customer's HTML mail: formatting and tables, no forms, scripts,
# frames or styles. Images are kept only when they point into the mail itself (cid:) or are
# embedded (data:), so that opening a ticket never tells a tracker the mail was read.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "ol": {"start", "type"},
    "*": {"dir", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        lowered = value.strip().lower()
        if lowered.startswith("cid:") or lowered.startswith("data:image/"):
            return value
        return None  # remote image: never loaded when an agent opens the mail
    if element == "a" and attribute == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Return ``html`` safe to show in the desk: no scripts, event handlers or remote images."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style", "head", "title", "noscript", "template"},
    )


_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre"}
_SKIP = {"script", "style", "head", "title", "noscript", "template", "xml"}
_LIST_ITEM_RE = re.compile(r"(?:- |\d+\. )")
_SPACE_RE = re.compile(r"[ \t\r\n\f\u200b]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list] = []  # [kind, counter]
        self.links: list[tuple[str, int]] = []  # (href, position in out when the link opened)
        self.cell = False

    # Newlines are collected as markers and squeezed at the end, so nested blocks never pile up
    # empty lines.
    def _newline(self, count: int = 1) -> None:
        have = 0
        for piece in reversed(self.out):
            stripped = piece.rstrip(" ")
            have += len(stripped) - len(stripped.rstrip("\n"))
            if stripped.strip("\n"):
                break
        if have < count:
            self.out.append("\n" * (count - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in ("td", "th"):
            if self.cell:
                self.out.append("\t")
            self.cell = True
        elif tag == "tr":
            self.cell = False
            self._newline()
        elif tag == "table":
            self._newline(2)
        elif tag == "li":
            self._newline()
            depth = max(len(self.lists) - 1, 0)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self.out.append("  " * depth + f"{self.lists[-1][1]}. ")
            else:
                self.out.append("  " * depth + "- ")
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self._newline(2 if len(self.lists) == 1 else 1)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt.strip()}]")
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre += 1
            if tag == "blockquote":
                self.quote += 1
            self._newline(2 if tag in _PARAGRAPH else 1)
        if tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            target = href.strip()
            if target.lower().startswith("mailto:"):
                target = target[7:]
            if target and not target.startswith("#") and target != label and target not in label:
                self.out.append(f" ({target})")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline(2 if not self.lists else 1)
        elif tag == "table":
            self.cell = False
            self._newline(2)
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            self._newline(2 if tag in _PARAGRAPH else 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.out.append(data.replace("\r\n", "\n"))
        else:
            self.out.append(_SPACE_RE.sub(" ", data))


def html_to_text(html: str) -> str:
    """Turn an HTML mail body into readable plain text.

    Paragraphs and line breaks become newlines, list items get "- " or "1. ", links read
    "text (url)", table cells are separated by tabs; script and style content is dropped.
    """
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; never let a broken mail crash us
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).strip()
    lines: list[str] = []
    for line in "".join(parser.out).replace("\xa0", " ").split("\n"):
        # Drop the spaces left around tags but keep the indentation of nested list items.
        stripped = line.strip(" ")
        if _LIST_ITEM_RE.match(stripped):
            stripped = line[: len(line) - len(line.lstrip(" "))] + stripped
        lines.append(stripped)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")
