"""The shared date reader and Policy Manual citation helpers every parser uses."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.citations import pm_cite, pm_url
from ingest.parse.dates import parse_date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Current as of May 08, 2026", date(2026, 5, 8)),
        ("Last Reviewed/Updated: 04/30/2026", date(2026, 4, 30)),
        ("Edition 01/20/25", date(2025, 1, 20)),
        ("Oct. 2, 2026", date(2026, 10, 2)),
        ("Sept. 9, 2026", date(2026, 9, 9)),
        ("2025-08-04T12:00:00Z", date(2025, 8, 4)),
        ("13/45/2026 then June 24, 2025", date(2025, 6, 24)),  # malformed first date skipped
        ("no date here", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_pm_cite_and_url_levels():
    assert pm_cite(2, "m", 4) == "2 USCIS-PM M.4"
    assert pm_cite(3, "K") == "3 USCIS-PM K"
    assert pm_cite(None) == ""
    assert pm_url(8, "B", 4) == "https://www.uscis.gov/policy-manual/volume-8-part-b-chapter-4"
    assert pm_url(1) == "https://www.uscis.gov/policy-manual/volume-1"
