"""Small charts drawn on the server as SVG: no chart library, nothing for the browser to fetch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and the text printed after it."""

    label: str
    value: float
    text: str


def bar_chart(title: str, bars: Sequence[Bar], *, maximum: float | None = None, width: int = 560) -> Markup:
    """A horizontal bar chart as inline SVG with a title and an accessible description."""
    row, label_w, text_w, top = 30, 150, 90, 8
    height = top + row * max(len(bars), 1) + 8
    top_value = maximum if maximum is not None else max([b.value for b in bars] + [1.0])
    top_value = top_value or 1.0
    plot_w = width - label_w - text_w
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(0.0, min(1.0, bar.value / top_value)) * plot_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="chart-label">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{plot_w}" height="20" class="chart-track"/>'
            f'<rect x="{label_w}" y="{y + 5}" width="{length:.1f}" height="20" class="chart-bar"/>'
            f'<text x="{label_w + plot_w + 8}" y="{y + 19}" class="chart-value">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
