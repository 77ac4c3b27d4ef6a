"""An SVG file made fit to sit inside an HTML page, beside other SVGs.

matplotlib's SVG files start with an XML declaration and a DOCTYPE (whose DTD is a URL),
carry RDF metadata (more URLs) and name their clip paths and markers with ids that two
figures of one page may share. :func:`inline_svg` keeps the ``<svg>`` element alone,
drops the metadata and anything executable, and prefixes every id (and every reference
to one) so that each figure's ids are its own.
"""

from __future__ import annotations

import re

_PROLOGUE = re.compile(r"\A.*?(?=<svg[\s>])", re.DOTALL)
_DROPPED = re.compile(
    r"<(metadata|script|foreignObject)\b[^>]*?(/>|>.*?</\1\s*>)|<!--.*?-->",
    re.DOTALL | re.IGNORECASE,
)
_HANDLERS = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)
_ID = re.compile(r"\bid=\"([^\"]+)\"")
_URL_REF = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_HREF = re.compile(r"((?:xlink:)?href)=\"#([^\"]+)\"")
_EXTERNAL_HREF = re.compile(r"\s(?:xlink:)?href=\"(?!#)[^\"]*\"")


class NotSvgError(ValueError):
    """The text holds no ``<svg>`` element."""


def inline_svg(text: str, prefix: str) -> str:
    """The ``<svg>`` element of ``text``, ready to be placed in an HTML page.

    Parameters
    ----------
    text
        The content of an SVG file.
    prefix
        Prepended to every id of the figure (``"f3-"``), unique within the page.

    Returns
    -------
    str
        The ``<svg …>…</svg>`` element without XML declaration, DOCTYPE, metadata,
        comments, scripts, event handlers or references outside the figure.

    Raises
    ------
    NotSvgError
        ``text`` holds no ``<svg>`` element.
    """
    body = _PROLOGUE.sub("", text, count=1)
    end = body.rfind("</svg>")
    if not body.startswith("<svg") or end < 0:
        raise NotSvgError("no <svg> element")
    body = body[: end + len("</svg>")]
    body = _DROPPED.sub("", body)
    body = _HANDLERS.sub("", body)
    body = _EXTERNAL_HREF.sub("", body)
    body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)
    body = _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", body)
    return _HREF.sub(lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', body)
