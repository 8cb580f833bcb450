"""Charts and CSV cells for reports: SVG drawn on the server by pygal, self-contained (no
script, no link, nothing fetched), in the desk's colours and fonts; CSV cells a spreadsheet
cannot mistake for formulas."""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="rgba(31, 41, 51, .87)",
    foreground_strong="rgba(31, 41, 51, 1)",
    foreground_subtle="rgba(95, 107, 122, .6)",
    # The desk's own fonts (installed ones only: nothing is fetched).
    font_family='system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans CJK JP", '
    '"Yu Gothic", sans-serif',
    title_font_size=15,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    value_font_size=11,
    no_data_font_size=20,
    colors=("#1f5f8b", "#1d6b3a", "#a15c00", "#6b4fa0", "#a32020"),
    opacity=".85",
    opacity_hover=".85",
    transition="0ms",
)

# Characters XML 1.0 cannot carry (controls, lone surrogates): a name holding one would make
# the whole image unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SVG_NS = "{http://www.w3.org/2000/svg}"
_DROP = {"script", "foreignObject", "a", "image", "use"}


def label(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def strip(root):
    """Take out pygal's comments (they hold its web addresses), its script (the chart's
    settings, for JavaScript tooltips that are not loaded), the tooltips' empty layer and
    anything that could link or load something. Labels are text, escaped by the XML writer."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            name = tag.removeprefix(_SVG_NS)
            classes = set((child.get("class") or "").split())
            if not tag or name in _DROP or classes & {"tooltip", "tooltip-overlay"}:
                parent.remove(child)
                continue
            for attr in list(child.attrib):
                if attr.endswith("href") or attr.lower().startswith("on"):
                    del child.attrib[attr]
    return root


def chart(cls, **config):
    """A pygal chart of `cls` in the desk's style, stripped of everything that could run or
    fetch something; `config` as pygal takes it."""
    drawn = cls(style=STYLE, disable_xml_declaration=True, js=[], explicit_size=True, **config)
    drawn.add_xml_filter(strip)
    return drawn


def cell_text(value: str) -> str:
    # A spreadsheet would run a cell starting with one of these as a formula; a leading
    # apostrophe keeps it text (an organization may be called "=HYPERLINK(…)").
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def data_uri(svg: str) -> str:
    """The SVG as a data: address for an <img>: a picture runs no script and fetches nothing,
    and the page's Content-Security-Policy (img-src 'self' data:) need not allow inline styles
    for pygal's stylesheet, which stays inside the picture."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def is_self_contained(svg: str) -> bool:
    """True when the SVG holds no script, no link or reference to another document, and no
    web address other than the SVG namespace (text excepted)."""
    root = ElementTree.fromstring(svg)
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.removeprefix(_SVG_NS) in _DROP:
            return False
        for attr, value in element.attrib.items():
            if attr.endswith("href") or "url(" in value or "://" in value:
                return False
        if tag.removeprefix(_SVG_NS) == "style" and re.search(
            r"@import|url\(|://", element.text or ""
        ):
            return False
    return "<?xml-stylesheet" not in svg
