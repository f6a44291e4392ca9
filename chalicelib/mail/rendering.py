"""Mail templates (Jinja2), one folder per language, text and HTML parts.

A template's text file starts with a `Subject: ...` line; HTML parts extend layout.html and are
auto-escaped, so names typed by customers can't inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.core.text import one_line

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("en", "fr", "es")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """Built (and Jinja2 imported) on the first mail: most invocations send none."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, language: str, context: dict[str, Any]) -> RenderedMail:
    language = language if language in LANGUAGES else "en"
    environment = _environment()
    text = environment.get_template(f"{language}/{name}.txt").render(**context)
    first_line, _, body = text.partition("\n")
    subject = one_line(first_line.removeprefix("Subject:"))
    # In the HTML, `subject` is the mail's rendered subject line (the layout's title).
    html = environment.get_template(f"{language}/{name}.html").render(
        **(context | {"subject": subject, "language": language})
    )
    return RenderedMail(subject=subject, text=body.lstrip("\n"), html=html)
