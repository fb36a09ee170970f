from decimal import Decimal

from shopstream import fx


def test_same_currency_factor_is_one():
    assert fx.factor("USD", "USD") == Decimal("1")


def test_zero_decimal_currency_scales_minor_units():
    cur = fx.load_currencies()
    jpy = cur["JPY"]
    assert jpy.minor_units == 0
    expected = (jpy.rate_to_usd * 100).quantize(fx.FACTOR_SCALE)
    assert fx.factor("JPY", "USD") == expected


def test_rounding_is_half_up_on_whole_minor_units():
    f = fx.factor("EUR", "USD")
    amount = 12345
    exact = Decimal(amount) * f
    assert fx.to_reporting_minor(amount, "EUR", "USD") == int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def test_sql_case_lists_every_currency():
    sql = fx.sql_factor_case("currency", "USD")
    for code in fx.load_currencies():
        assert f"when '{code}'" in sql
    assert sql.startswith("(case currency") and sql.endswith("end)")
