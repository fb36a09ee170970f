"""The campaign report from in-memory rows: merging placements, totals, PNG and HTML output."""
import base64
import datetime as dt

import pytest

from shopstream.products.ad_features.report import build_figure, html_document, png_bytes, series_from_rows, totals, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def hourly(hour: int, placement: str, imps: int, clicks: int, spend: int, smoothed: float | None, day: int = 21):
    return {"hour": dt.datetime(2026, 9, day, hour), "placement": placement, "impressions": imps, "clicks": clicks,
            "orphan_clicks": 1, "conversions": 1, "revenue_minor": 1000, "spend_minor": spend,
            "raw_ctr": clicks / imps if imps else None, "smoothed_ctr": smoothed, "daily_budget_minor": 5000}


ROWS = [hourly(23, "feed", 100, 2, 300, 0.02), hourly(10, "feed", 100, 1, 100, 0.01),
        hourly(10, "search", 300, 9, 400, 0.03), hourly(0, "feed", 0, 0, 0, 0.012, day=22)]


def test_placements_of_an_hour_merge_and_hours_sort():
    s = series_from_rows("cmp-01", ROWS)
    assert s.hours == [dt.datetime(2026, 9, 21, 10), dt.datetime(2026, 9, 21, 23), dt.datetime(2026, 9, 22, 0)]
    assert s.impressions == [400, 100, 0] and s.clicks == [10, 2, 0] and s.orphan_clicks == [2, 1, 1]
    assert s.raw_ctr == [10 / 400, 0.02, None]
    assert s.smoothed_ctr == [pytest.approx((0.01 * 100 + 0.03 * 300) / 400), 0.02, 0.012]
    assert s.spend_of_day_minor == [500, 800, 0]  # resets at the UTC day
    assert s.daily_budget_minor == 5000


def test_totals_in_dollars_and_ratios():
    t = totals(series_from_rows("cmp-01", ROWS))
    assert (t["impressions"], t["clicks"], t["spend"], t["revenue"]) == ("500", "12", "$8.00", "$40.00")
    assert (t["CTR"], t["CPC"], t["ROAS"], t["daily budget"]) == ("2.400%", "$0.67", "5.00", "$50.00")


def test_png_and_self_contained_html(tmp_path):
    s = series_from_rows("cmp-<01>", ROWS)
    png = png_bytes(build_figure(s))
    assert png.startswith(PNG_SIGNATURE)
    page = html_document(s, png)
    assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in page
    assert "cmp-&lt;01&gt;" in page and "<script" not in page
    assert write_report(s, tmp_path / "r.png").read_bytes().startswith(PNG_SIGNATURE)
    assert "base64," in write_report(s, tmp_path / "sub" / "r.HTML").read_text()
    with pytest.raises(ValueError, match=".png or .html"):
        write_report(s, tmp_path / "r.pdf")
