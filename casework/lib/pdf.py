"""Printing to PDF with WeasyPrint, the one way every app does it (the handover minutes, the case
summary, the completed intake). Nothing is ever fetched: the templates link to nothing, and text
typed into a record can never make the server call out or read a local file. Fonts are the
system's DejaVu families, which carry every Vietnamese diacritic."""

import unicodedata
from typing import Any


def pdf_document(html: str, css: str) -> Any:
    """The laid-out pages (a WeasyPrint Document) of `html` styled by `css`."""
    # Imported here: WeasyPrint loads Pango when imported, which workers and commands never need.
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    # No protocol is allowed, so no URL is ever opened (remote or file:).
    no_fetching = URLFetcher(allowed_protocols=frozenset())
    style = CSS(string=css, url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).render(stylesheets=[style])


def pdf_bytes(html: str, css: str) -> bytes:
    return bytes(pdf_document(html, css).write_pdf())


def ascii_name(text: str) -> str:
    """`text` as a file-name part of ASCII letters, digits and dashes (a reference number, a date):
    never a person's name, which a download's file name would carry into folders and mail."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    kept = (char for char in plain if not unicodedata.combining(char))
    return "".join(char if char.isascii() and char.isalnum() else "-" for char in kept).strip("-")
