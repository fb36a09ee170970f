"""Campaigns reference rows for ClickHouse, and which of them a load writes."""
import pytest

from shopstream.products.ad_features.reference_tables import changed_rows, reference_tables
from shopstream.contract.model import ContractError
from shopstream.contract.reference import load_reference_yaml

DOC = {"version": 3, "items": [
    {"campaign_id": "cmp-01", "advertiser": "brand-05", "placement": "feed", "daily_budget_usd_minor": 287100,
     "ads": [{"ad_id": "ad-001", "campaign_id": "cmp-01", "product_id": "p-0433", "bid_usd_minor": 177}]},
    {"campaign_id": "cmp-02", "advertiser": "brand-13", "daily_budget_usd_minor": 5000, "ads": []},
]}


def test_rows_from_the_document_and_a_missing_placement_is_empty():
    campaigns, ads = reference_tables(DOC)
    assert (campaigns.name, ads.name) == ("ad_campaigns", "ad_ads")
    assert campaigns.rows == [("cmp-01", "brand-05", "feed", 287100, 3), ("cmp-02", "brand-13", "", 5000, 3)]
    assert ads.rows == [("ad-001", "cmp-01", "p-0433", 177, 3)]


def test_shipped_campaigns_file_gives_one_row_per_campaign_and_ad():
    doc = load_reference_yaml("campaigns")
    campaigns, ads = reference_tables(doc)
    assert len(campaigns.rows) == len(doc["items"]) and len({r[0] for r in campaigns.rows}) == len(doc["items"])
    assert len(ads.rows) == sum(len(item["ads"]) for item in doc["items"])
    assert {r[1] for r in ads.rows} <= {r[0] for r in campaigns.rows}


def test_only_new_or_changed_rows_are_written():
    wanted = [("cmp-01", "b", "feed", 100, 1), ("cmp-02", "b", "", 200, 1), ("cmp-03", "b", "search", 300, 1)]
    current = [("cmp-01", "b", "feed", 100, 1), ("cmp-02", "b", "", 150, 1)]
    assert changed_rows(wanted, current) == wanted[1:]
    assert changed_rows(wanted, wanted) == []


def test_a_broken_item_is_a_contract_error():
    with pytest.raises(ContractError, match="daily_budget_usd_minor"):
        reference_tables({"version": 1, "items": [{"campaign_id": "c", "advertiser": "a"}]})
