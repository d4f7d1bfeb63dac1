"""The exported logbog as a PDF for the case file: WeasyPrint lays out the export's HTML as it prints
(A4 landscape, as the HTML's ``@page`` says), with a print stylesheet of its own (``print_style``): fonts
that carry æ, ø and å, and on every page a footer with what the PDF is, when it was exported, and
«Side 3 af 7».

Pure as far as WeasyPrint allows: the same HTML, label and export time give the same bytes (the PDF's
creation and modification dates are the export time, and WeasyPrint adds no clock or random id of its
own). The HTML may load nothing from outside: only ``data:`` URLs are fetched. WeasyPrint loads
Debian's pango and fonts when first used (``SYSTEM_PACKAGES``); where they are missing, ``pdf`` raises
``PdfUnavailable``. Laying out a long logbog takes seconds of CPU: a server calls ``pdf`` off its
event loop; PDFs are made one at a time, so a burst of downloads takes one core, not all of them.
"""

import logging
import threading
from datetime import datetime
from types import ModuleType

from ..clock import LOCAL_TIME
from ..errors import PdfUnavailable

FONTS = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif'
"""Fonts with æ, ø and å: Debian's fonts-dejavu-core, else fonts-liberation, else what fontconfig offers."""
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core")
"""What WeasyPrint needs from Debian to make a PDF here (``./dev test`` installs them)."""

_one_at_a_time = threading.Lock()


def pdf(html: str, *, label: str, exported_at: datetime) -> bytes:
    """``html`` as a PDF whose footer names ``label`` (the crisis id) and ``exported_at`` (timezone-aware).

    Raises ``PdfUnavailable`` when WeasyPrint or the system libraries it loads are missing.
    """
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    with _one_at_a_time:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            stylesheets=[weasyprint.CSS(string=print_style(label, exported_at), url_fetcher=fetcher)]
        )
        created = exported_at.astimezone(LOCAL_TIME).isoformat(timespec="seconds")
        document.metadata.created = document.metadata.modified = created
        result: bytes = document.write_pdf()
        return result


def print_style(label: str, exported_at: datetime) -> str:
    """The stylesheet laid over the export's own (``!important``: WeasyPrint gives it the user's place in the
    cascade, below the HTML's own rules): the fonts, and each page's footer."""
    small = f"font-family:{FONTS};font-size:8pt;color:#444"
    return (
        f"body{{font-family:{FONTS}!important}}"
        "@page{margin-bottom:16mm!important;"
        f"@bottom-left{{content:{_css_string(footer(label, exported_at))};{small}}}"
        f'@bottom-right{{content:"Side " counter(page) " af " counter(pages);{small}}}}}'
    )


def footer(label: str, exported_at: datetime) -> str:
    """``K-2026-001 · eksporteret 2026-12-04 12:23:05 +01:00``: the export time in Danish time with its offset."""
    local = exported_at.astimezone(LOCAL_TIME)
    return f"{label} · eksporteret {local:%Y-%m-%d %H:%M:%S} {local.isoformat(timespec='seconds')[19:]}"


def _css_string(text: str) -> str:
    """``text`` as a CSS string: quotes, backslashes and control characters escaped."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
    return f'"{escaped}"'


def _weasyprint() -> ModuleType:
    """WeasyPrint, imported on first use: it loads pango then, and the service starts without it."""
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # else a line per step and page at INFO
    try:
        import weasyprint
    except ImportError:
        raise PdfUnavailable("PDF kan ikke laves: Python-pakken weasyprint er ikke installeret") from None
    except OSError:
        packages = " ".join(SYSTEM_PACKAGES)
        raise PdfUnavailable(f"PDF kan ikke laves: systemets pango mangler (Debian: apt-get install {packages})") from None
    return weasyprint
