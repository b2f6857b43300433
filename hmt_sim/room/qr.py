"""Join links as QR codes: text for the terminal, SVG for pages and handouts, PNG for pygame.

segno encodes the link locally (no network); error correction "M" survives a projector's glare.
"""

from __future__ import annotations

import io

import segno


def _code(link: str) -> segno.QRCode:
    return segno.make(link, error="m", micro=False)


def terminal(link: str) -> str:
    """The QR code in block characters for a terminal (two rows per character line)."""
    out = io.StringIO()
    _code(link).terminal(out=out, compact=True, border=4)
    return out.getvalue()


def svg(link: str, scale: int = 4) -> str:
    """The QR code as a standalone SVG document (black on white, quiet zone included)."""
    out = io.BytesIO()
    _code(link).save(out, kind="svg", scale=scale, border=4, xmldecl=False,
                     svgns=True, title=None)
    return out.getvalue().decode("utf-8")


def png(link: str, scale: int = 4) -> bytes:
    """The QR code as PNG bytes (the facilitator's pygame overlay loads these)."""
    out = io.BytesIO()
    _code(link).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
