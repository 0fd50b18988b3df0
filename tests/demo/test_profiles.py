"""The enterprise generator: exact schema, determinism, valid codes, plausible shares (loose bounds)."""

import datetime as dt

import polars as pl
import pytest

from onewindow.demo import profiles as generate
from onewindow.demo.profiles import (
    CLASSES_BY_CODE,
    DEMO_REGIONS,
    INDUSTRY_CLASSES,
    STATS_THRESHOLDS,
    profiles,
    row_profile,
)
from onewindow.policies.rules import industries
from onewindow.policies.rules.core import check
from onewindow.policies.rules.profile import CERTIFICATIONS, FLAGS, PROFILE_SCHEMA

AS_OF = dt.date(2025, 6, 30)
NULLABLE = {"tax_credit_grade", "revenue", "unemployment_insurance_paid", "layoffs", "graduates_hired", "rd_expense"}


@pytest.fixture(scope="module")
def big() -> pl.DataFrame:
    return profiles(200_000, seed=7, as_of=AS_OF)


def has(column: str, value: str) -> pl.Expr:
    return pl.col(column).list.contains(value)


def test_schema_is_exactly_the_profile_schema():
    df = profiles(1_000, seed=1, as_of=AS_OF)
    assert df.schema == pl.Schema({"enterprise_id": pl.Int64, **PROFILE_SCHEMA.polars_schema()})
    assert df["enterprise_id"].to_list() == list(range(1, 1_001))
    empty = profiles(0, seed=1, as_of=AS_OF)
    assert empty.height == 0 and empty.schema == df.schema


def test_generated_in_blocks_with_contiguous_ids(monkeypatch):
    monkeypatch.setattr(generate, "BLOCK", 1_000)
    df = profiles(2_500, seed=5, as_of=AS_OF)
    assert df.n_chunks() == 3 and df["enterprise_id"].to_list() == list(range(1, 2_501))
    assert df.equals(profiles(2_500, seed=5, as_of=AS_OF))
    assert not df[:1_000].drop("enterprise_id").equals(df[1_000:2_000].drop("enterprise_id"))  # own streams


def test_same_seed_same_frame_other_seed_other_frame():
    a = profiles(5_000, seed=42, as_of=AS_OF)
    assert a.equals(profiles(5_000, seed=42, as_of=AS_OF))
    assert not a.equals(profiles(5_000, seed=43, as_of=AS_OF))


def test_bad_arguments_get_chinese_errors():
    with pytest.raises(ValueError, match="企业数量应为非负整数"):
        profiles(-1, seed=1, as_of=AS_OF)
    with pytest.raises(ValueError, match="企业数量应为非负整数"):
        profiles(True, seed=1, as_of=AS_OF)
    with pytest.raises(ValueError, match="地区代码列表不能为空"):
        profiles(10, seed=1, as_of=AS_OF, regions=[])


def test_codes_are_valid_and_drawn_from_the_tables(big):
    for c in INDUSTRY_CLASSES:
        assert industries.validate(c.code) == c.code and industries.level(c.code) == "小类", c.code
    assert len(CLASSES_BY_CODE) == len(INDUSTRY_CLASSES)  # no class listed twice
    assert set(big["industry"].unique()) <= set(CLASSES_BY_CODE)
    assert set(big["region"].unique()) == set(DEMO_REGIONS)
    assert set(big["certifications"].explode().drop_nulls()) <= set(CERTIFICATIONS)
    assert set(big["flags"].explode().drop_nulls()) <= set(FLAGS)
    assert set(big["tax_credit_grade"].drop_nulls()) == {"A", "B", "M", "C", "D"}
    custom = profiles(3_000, seed=1, as_of=AS_OF, regions=["140105", "140106"])
    assert set(custom["region"].unique()) == {"140105", "140106"}


def test_unknown_only_where_registries_can_be_empty_and_then_a_few_percent(big):
    nulls = big.null_count().row(0, named=True)
    assert {name for name, count in nulls.items() if count} == NULLABLE
    for name in NULLABLE:
        assert 0.01 <= nulls[name] / big.height <= 0.10, name


def test_values_are_plausible(big):
    assert big.select((pl.col("registered_capital") > 0).all(), (pl.col("employees") >= 0).all(),
                      (pl.col("tax_paid") >= 0).all(), (pl.col("revenue") >= 0).all(),
                      (pl.col("rd_expense") >= 0).all(), (pl.col("established_on") <= AS_OF).all(),
                      (pl.col("layoffs") <= pl.col("employees")).all()).row(0) == (True,) * 7
    age = (pl.lit(AS_OF) - pl.col("established_on")).dt.total_days() / 365.25
    assert 2 <= big.select(age.median()).item() <= 8  # skewed young
    # one latent size drives staff, capital, revenue and tax together (among enterprises in business)
    active = big.filter(~has("flags", "个体工商户"), pl.col("revenue") > 0, pl.col("employees") > 0)
    corr = active.select(pl.corr(pl.col("employees").log(), pl.col("revenue").log()).alias("a"),
                         pl.corr(pl.col("employees").log(), pl.col("registered_capital").log()).alias("b"),
                         pl.corr(pl.col("revenue").log(), pl.col("tax_paid").log1p()).alias("c")).row(0)
    assert all(c > 0.3 for c in corr), corr
    assert big.filter(pl.col("employees") == 0)["unemployment_insurance_paid"].drop_nulls().max() == 0


def test_shares_look_like_a_province(big):
    shops = big.filter(has("flags", "个体工商户"))
    firms = big.filter(~has("flags", "个体工商户"))
    assert 0.55 <= shops.height / big.height <= 0.72

    def share(frame: pl.DataFrame, expr: pl.Expr) -> float:
        return frame.select(expr.mean()).item()

    assert share(firms, has("flags", "小微企业")) >= 0.9
    assert share(shops, has("flags", "小微企业")) == 0  # a shop is not an enterprise
    four_up = has("flags", "规上") | has("flags", "限上") | has("flags", "资质内建筑业") | has("flags", "规上服务业")
    assert share(shops, four_up) == 0
    assert 0.005 <= share(firms, has("flags", "规上")) <= 0.03
    assert 0.01 <= share(firms, four_up) <= 0.10
    assert 0 < share(firms, has("flags", "新升规上")) < share(firms, has("flags", "规上"))
    assert share(firms, has("flags", "上市")) < 0.001
    # 规上 is industry (B, C, D) above the revenue threshold, as the statistics define it
    gs = firms.filter(has("flags", "规上"))
    assert gs["industry"].str.slice(0, 1).is_in(["B", "C", "D"]).all()
    assert (gs["revenue"].drop_nulls() >= STATS_THRESHOLDS["C"][1] * 100).all()

    assert share(shops, pl.col("certifications").list.len() > 0) == 0
    hightech = share(firms, has("certifications", "高新技术企业"))
    specialised = share(firms, has("certifications", "专精特新中小企业"))
    giant = share(firms, has("certifications", '专精特新"小巨人"'))
    assert 0.008 <= hightech <= 0.03 and 0 < giant < specialised < hightech
    tech = firms.filter(pl.col("industry").str.slice(0, 1).is_in(["C", "I", "M"]))
    assert share(tech, has("certifications", "高新技术企业")) > 2 * hightech  # concentrated in technical trades
    assert firms.filter(has("certifications", '专精特新"小巨人"'))["certifications"].list.contains(
        "专精特新中小企业").all()  # tiers are cumulative

    grades = firms["tax_credit_grade"].drop_nulls().value_counts(normalize=True)
    shares = dict(zip(grades["tax_credit_grade"], grades["proportion"], strict=True))
    assert max(shares, key=shares.get) == "B" and shares["C"] < 0.1 and shares["D"] < 0.1
    assert share(big, pl.col("violations") == 0) > 0.9
    assert 0 < share(big, pl.col("credit_serious")) < 0.02


def test_row_profile_feeds_explain_and_agrees_with_the_batch_engine():
    df = profiles(3_000, seed=3, as_of=AS_OF)
    rule = check('industry under "F" and employees >= 3 and (revenue >= 100万元 or "小微企业" in flags)')
    batch = df.select(rule.to_polars(AS_OF))["eligible"].to_list()
    one_by_one = [rule.explain(row_profile(row), AS_OF).eligible for row in df.iter_rows(named=True)]
    assert one_by_one == batch and any(batch) and not all(batch)
    profile = row_profile(df.row(0, named=True))
    assert "enterprise_id" not in profile and isinstance(profile["flags"], frozenset)
