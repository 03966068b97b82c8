"""A coverage run as one self-contained HTML file (inline CSS, no scripts, every text escaped)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from assistant.reports.coverage import (
    ROW_FIELDS,
    WEAK_MARGIN,
    CoverageReport,
    disagreeing_groups,
    summary_by_kind,
    summary_by_status,
)

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.approved{background:#d4eed0}.answered{background:#e7f4e4}.weak{background:#fff5d6}.not-covered{background:#fbe3e3}.referred{background:#e6eefb}
.problems li{color:#8a1c1c}
"""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def _link(url: str | None) -> str:
    if not url or not url.startswith(("https://", "http://")):
        return _cell(url)
    return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'


def _table(headers: list[str], body: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def coverage_html(report: CoverageReport, title: str = "PolicyDesk coverage report") -> str:
    rows = report.rows
    status = summary_by_status(rows)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{len(rows)} questions · generated {escape(generated)} · "
        f"abstention threshold {report.threshold:.2f}; weak = answered below "
        f"{report.threshold + WEAK_MARGIN:.2f}</p>",
        "<h2>By status</h2>",
        _table(
            ["status", "questions"],
            [f"<tr><td>{escape(s)}</td><td>{n}</td></tr>" for s, n in status.items()],
        ),
        "<h2>By source kind of the top citation</h2>",
        _table(
            ["kind", *status.keys()],
            [
                f"<tr><td>{escape(k)}</td>"
                + "".join(f"<td>{n}</td>" for n in counts.values())
                + "</tr>"
                for k, counts in sorted(summary_by_kind(rows).items())
            ],
        ),
    ]
    groups = disagreeing_groups(rows)
    parts.append("<h2>Paraphrase groups whose top citations disagree</h2>")
    if not groups:
        parts.append("<p>None.</p>")
    for g in groups:
        parts.append(f"<h3>{escape(str(g['group']))}</h3>")
        parts.append(
            _table(
                ["id", "question", "status", "top citation"],
                [
                    "<tr>"
                    + "".join(
                        f"<td>{_cell(q[k])}</td>" for k in ("id", "question", "status", "top_cite")
                    )
                    + "</tr>"
                    for q in g["questions"]
                ],
            )
        )
    if report.problems:
        parts.append(
            "<h2>Lines skipped or cut</h2><ul class='problems'>"
            + "".join(f"<li>{escape(p)}</li>" for p in report.problems)
            + "</ul>"
        )
    parts.append("<h2>Questions</h2>")
    body = []
    for r in rows:
        css = r["status"].replace(" ", "-")
        cells = "".join(
            f"<td>{_link(r[k]) if k == 'top_url' else _cell(r.get(k))}</td>" for k in ROW_FIELDS
        )
        body.append(f"<tr class='{escape(css, quote=True)}'>{cells}</tr>")
    parts.append(_table(list(ROW_FIELDS), body))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )
