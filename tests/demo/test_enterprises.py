"""The demo city's 10,000 generated enterprises: valid and distinct keys, names and types that agree with
the profile, idempotent bulk load, and a snapshot that gives back the generated profiles."""

from collections import Counter

import polars as pl
import pytest
from sqlalchemy import func, select

from onewindow.common.ids import id_number_problem, uscc_problem
from onewindow.demo import enterprises as demo
from onewindow.demo.registries import load_registries, registry_data
from onewindow.policies.matching import profiles
from onewindow.sharing.models import CreditRecord, Enterprise


@pytest.fixture(scope="module")
def generated() -> demo.DemoEnterprises:
    """As loaded beside the demo registries (whose names the generated ones avoid)."""
    return demo.demo_enterprises(registry={e["uscc"]: e["name"] for e in registry_data()[1]})


def test_keys_are_valid_distinct_and_clear_of_the_hand_written_registry(generated):
    rows = generated.enterprises
    assert len(rows) == demo.COUNT == generated.profiles.height
    codes = [r["uscc"] for r in rows]
    assert not [c for c in codes if uscc_problem(c)]
    assert len(set(codes)) == len(codes)
    persons, hand_written, _ = registry_data()
    assert not set(codes) & {e["uscc"] for e in hand_written}
    ids = [r["legal_person_id_number"] for r in rows]
    assert not [n for n in ids if id_number_problem(n)]
    assert len(set(ids)) == len(ids) and not set(ids) & {p["id_number"] for p in persons}
    names = [r["name"] for r in rows]
    assert len(set(names)) == len(names) and not set(names) & {e["name"] for e in hand_written}


def test_same_rows_every_time(generated):
    again = demo.demo_enterprises(registry={e["uscc"]: e["name"] for e in registry_data()[1]})
    assert again.enterprises == generated.enterprises and again.credit_records == generated.credit_records
    alone = demo.demo_enterprises()  # only names may differ where they met a hand-written name
    assert [r["uscc"] for r in alone.enterprises] == [r["uscc"] for r in generated.enterprises]


def test_types_names_and_status_agree_with_the_profiles(generated):
    for row, flags in zip(generated.enterprises, generated.profiles["flags"].to_list(), strict=True):
        shop = row["entity_type"] == "个体工商户"
        assert shop == ("个体工商户" in flags) == (row["uscc"][:2] == "92"), row
        assert ("外资" in flags) == ("外商投资" in row["entity_type"]), row
        if {"上市", "上市申报受理", "上市辅导备案", "新三板"} & set(flags):
            assert row["entity_type"] == "股份有限公司", row
        assert row["name"].startswith(("示范市", "示范县", "山西")), row["name"]
        if shop:
            assert row["name"].startswith(demo.REGION_NAMES[row["region_code"]]), row["name"]
        elif row["entity_type"].startswith(("有限责任公司", "股份有限公司")):
            assert row["name"].endswith("有限公司"), row["name"]
        assert not {"个体工商户", "外资"} & set(row["stats_flags"])  # stated by the entity type instead
    status = Counter(r["status"] for r in generated.enterprises)
    assert status["存续"] / demo.COUNT > 0.9 and status["注销"] and status["吊销"]
    kinds = Counter(r["entity_type"] for r in generated.enterprises)
    assert kinds["个体工商户"] > kinds["有限责任公司"] > kinds["个人独资企业"] > 0


def test_load_is_bulk_idempotent_and_the_snapshot_gives_back_the_profiles(session, tmp_path, generated):
    load_registries(session)
    before = session.scalar(select(func.count()).select_from(Enterprise))
    assert demo.load_enterprises(session) == demo.COUNT
    assert demo.load_enterprises(session) == 0
    session.commit()
    assert demo.enterprise_count(session) == before + demo.COUNT
    generated_codes = {r["uscc"] for r in generated.enterprises}
    credit = session.scalar(select(func.count()).select_from(CreditRecord)
                            .where(CreditRecord.subject_key.in_(list(generated_codes))))
    assert credit == len(generated.credit_records) > 0

    snapshot = profiles.build_snapshot(session, as_of=demo.AS_OF, directory=tmp_path)
    built = profiles.load_snapshot(snapshot).filter(pl.col("uscc").is_in(list(generated_codes)))
    in_business = [i for i, r in enumerate(generated.enterprises) if r["status"] == "存续"]
    expected = (generated.profiles[in_business].drop("enterprise_id")
                .with_columns(pl.Series("uscc", [generated.enterprises[i]["uscc"] for i in in_business])))
    got = built.drop("enterprise_id", "name").sort("uscc")
    assert got.equals(expected.select(got.columns).sort("uscc"))
    loaded = dict(session.execute(select(Enterprise.uscc, Enterprise.name)
                                  .where(Enterprise.uscc.in_(list(generated_codes)))).tuples().all())
    assert loaded == {r["uscc"]: r["name"] for r in generated.enterprises}
