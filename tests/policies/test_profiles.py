"""Enterprise profiles from the registries: field mapping, unknown vs known zero, the credit window as of
a date, Parquet snapshots, and incremental refresh that re-reads only what changed."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import update

from onewindow.common import time as beijing
from onewindow.common.ids import with_id_check, with_uscc_check
from onewindow.demo.profiles import row_profile
from onewindow.policies.matching import profiles
from onewindow.policies.models import ProfileSnapshot
from onewindow.policies.rules.core import check
from onewindow.sharing.models import CreditRecord, Enterprise

AS_OF = date(2025, 6, 30)
OLD = datetime(2025, 1, 1, tzinfo=UTC)  # registry rows last touched long before the snapshots
LEGAL = with_id_check("14990219800101001")


def uscc(n: int) -> str:
    return with_uscc_check(f"91149902MA0PRF{n:03d}")


def enterprise(n: int, **kw) -> Enterprise:
    values = dict(uscc=uscc(n), name=f"示范市画像测试{n}有限公司", entity_type="有限责任公司", industry_code="C3489",
                  registered_capital_fen=100_000_000, established_on=date(2018, 5, 20), region_code="149902",
                  legal_person_name="测法人", legal_person_id_number=LEGAL, status="存续", tax_credit_grade="B",
                  tax_paid_fen=500_000, insured_employees=12, certifications=[], stats_flags=[], updated_at=OLD)
    return Enterprise(**{**values, **kw})


def record(n: int, recorded: datetime, *, severity: str = "一般", repaired: datetime | None = None,
           kind: str = "enterprise") -> CreditRecord:
    return CreditRecord(subject_kind=kind, subject_key=uscc(n), subject_name=f"画像测试{n}", severity=severity,
                        reason="测试记录", source="示范市市场监督管理局", recorded_at=recorded, repaired_at=repaired)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def registry(session):
    session.add_all([
        enterprise(1, certifications=["高新技术企业", "专精特新中小企业"], stats_flags=["规上", "小微企业"],
                   revenue_fen=3_500_000_000, unemployment_insurance_fen=420_000, layoffs=0, graduates_hired=3,
                   rd_expense_fen=150_000_000, tax_credit_grade="A"),
        enterprise(2, entity_type="个体工商户", name="示范市东城区老王便利店", industry_code="F5213",
                   insured_employees=0, tax_paid_fen=0, tax_credit_grade=None, registered_capital_fen=3_000_000),
        enterprise(3, status="注销"),
        enterprise(4, entity_type="有限责任公司（外商投资）", tax_credit_grade=" m "),
        enterprise(5, tax_credit_grade="X"),
        enterprise(6),
    ])
    session.add_all([
        record(1, at(AS_OF - timedelta(days=700))),  # inside the three years: counts
        record(1, at(date(2021, 6, 1))),  # older than three years
        record(1, at(AS_OF + timedelta(days=1))),  # after as_of
        record(2, at(date(2024, 11, 5)), severity="严重"),  # unrepaired
        record(4, at(date(2024, 3, 5)), severity="严重", repaired=at(date(2024, 9, 10))),  # repaired in time
        record(5, at(date(2024, 3, 5)), severity="严重", repaired=at(AS_OF + timedelta(days=30))),  # repaired later
        record(6, at(date(2024, 3, 5)), kind="person"),  # a person's record under the same key is not the firm's
    ])
    session.commit()
    return session


def by_uscc(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["uscc"]: row for row in frame.iter_rows(named=True)}


def test_snapshot_maps_the_registries_and_keeps_unknown_apart_from_zero(registry, tmp_path):
    snapshot = profiles.build_snapshot(registry, as_of=AS_OF, directory=tmp_path)
    assert (snapshot.kind, snapshot.enterprise_count) == ("full", 5)
    assert snapshot.path.startswith(str(tmp_path)) and snapshot.path.endswith(".parquet")
    assert profiles.latest_snapshot(registry).id == snapshot.id
    assert profiles.snapshot_as_of(snapshot) == AS_OF
    assert snapshot.source_changed_at == at(AS_OF + timedelta(days=30))  # the newest registry change (a repair)

    frame = profiles.load_snapshot(snapshot)
    assert frame.schema == profiles.SNAPSHOT_SCHEMA
    assert frame["enterprise_id"].is_sorted()
    rows = by_uscc(frame)
    assert uscc(3) not in rows  # 注销
    one = rows[uscc(1)]
    assert one["name"] == "示范市画像测试1有限公司"
    assert {k: one[k] for k in ("industry", "region", "registered_capital", "established_on", "employees",
                                "tax_paid", "tax_credit_grade", "revenue", "unemployment_insurance_paid",
                                "layoffs", "graduates_hired", "rd_expense", "violations", "credit_serious")} == {
        "industry": "C3489", "region": "149902", "registered_capital": 100_000_000,
        "established_on": date(2018, 5, 20), "employees": 12, "tax_paid": 500_000, "tax_credit_grade": "A",
        "revenue": 3_500_000_000, "unemployment_insurance_paid": 420_000, "layoffs": 0, "graduates_hired": 3,
        "rd_expense": 150_000_000, "violations": 1, "credit_serious": False}
    assert one["certifications"] == sorted(["高新技术企业", "专精特新中小企业"])
    assert one["flags"] == sorted(["规上", "小微企业"])

    shop = rows[uscc(2)]
    assert shop["flags"] == ["个体工商户"]  # from the entity type
    assert (shop["employees"], shop["tax_paid"], shop["certifications"]) == (0, 0, [])  # known zero / none
    assert [shop[k] for k in ("tax_credit_grade", "revenue", "unemployment_insurance_paid", "layoffs",
                              "graduates_hired", "rd_expense")] == [None] * 6  # unknown
    assert (shop["violations"], shop["credit_serious"]) == (1, True)

    assert rows[uscc(4)]["flags"] == ["外资"] and rows[uscc(4)]["tax_credit_grade"] == "M"
    assert (rows[uscc(4)]["violations"], rows[uscc(4)]["credit_serious"]) == (1, False)  # repaired before as_of
    assert rows[uscc(5)]["tax_credit_grade"] is None  # not a grade: unknown rather than wrong
    assert rows[uscc(5)]["credit_serious"] is True  # repaired only after as_of
    assert (rows[uscc(6)]["violations"], rows[uscc(6)]["credit_serious"]) == (0, False)


def test_the_credit_window_follows_as_of(registry, tmp_path):
    later = profiles.build_snapshot(registry, as_of=AS_OF + timedelta(days=60), directory=tmp_path)
    rows = by_uscc(profiles.load_snapshot(later))
    assert rows[uscc(1)]["violations"] == 2  # the record after the first as_of now counts
    assert rows[uscc(5)]["credit_serious"] is False  # and the repair has happened


def test_snapshot_rows_feed_the_rules(registry, tmp_path):
    frame = profiles.load_snapshot(profiles.build_snapshot(registry, as_of=AS_OF, directory=tmp_path))
    rule = check('"高新技术企业" in certifications and flags has "规上" and not credit_serious and violations <= 1')
    batch = frame.select(rule.to_polars(AS_OF))["eligible"].to_list()
    assert batch == [rule.explain(row_profile(row), AS_OF).eligible for row in frame.iter_rows(named=True)]
    assert frame.filter(pl.Series(batch))["uscc"].to_list() == [uscc(1)]
    explained = rule.explain(row_profile(by_uscc(frame)[uscc(2)]), AS_OF)
    assert explained.status == "ineligible"


def test_changed_ids_and_incremental_refresh_reread_only_what_changed(registry, tmp_path):
    today = beijing.today()  # a credit record entered now counts as of today
    base = profiles.build_snapshot(registry, as_of=today, directory=tmp_path)
    registry.commit()
    assert profiles.changed_enterprise_ids(registry, since=base.built_at - profiles.COMMIT_MARGIN) == []
    ids = {row.uscc: row.id for row in registry.query(Enterprise)}

    one = registry.get(Enterprise, ids[uscc(1)])
    one.revenue_fen = None  # the statistics withdrew the figure: unknown now
    registry.get(Enterprise, ids[uscc(4)]).status = "吊销"
    registry.add(record(6, datetime.now(UTC), severity="严重"))
    # A change the registry did not stamp: an incremental refresh cannot see it, a full build does.
    registry.execute(update(Enterprise).where(Enterprise.id == ids[uscc(5)])
                     .values(insured_employees=99, updated_at=OLD))
    registry.commit()
    changed = profiles.changed_enterprise_ids(registry, since=base.built_at - profiles.COMMIT_MARGIN)
    assert changed == sorted([ids[uscc(1)], ids[uscc(4)], ids[uscc(6)]])

    fresh = profiles.profiles_for(registry, enterprise_ids=changed, as_of=today)
    assert fresh["uscc"].to_list() == [uscc(1), uscc(6)]  # 吊销 is no longer profiled
    refreshed = profiles.refresh_snapshot(registry, as_of=today)
    assert refreshed.kind == "incremental" and refreshed.id != base.id
    assert refreshed.path != base.path and refreshed.path.startswith(str(tmp_path))
    assert profiles.latest_snapshot(registry).id == refreshed.id
    rows = by_uscc(profiles.load_snapshot(refreshed))
    assert set(rows) == {uscc(1), uscc(2), uscc(5), uscc(6)} and refreshed.enterprise_count == 4
    assert rows[uscc(1)]["revenue"] is None
    assert rows[uscc(6)]["credit_serious"] is True and rows[uscc(6)]["violations"] == 1
    assert rows[uscc(5)]["employees"] == 12  # unchanged rows come from the earlier snapshot
    full = profiles.load_snapshot(profiles.build_snapshot(registry, as_of=today, directory=tmp_path))
    assert by_uscc(full)[uscc(5)]["employees"] == 99
    assert full.drop("employees").equals(profiles.load_snapshot(refreshed).drop("employees"))


def test_refresh_for_another_date_or_without_a_snapshot_builds_in_full(registry, tmp_path):
    first = profiles.refresh_snapshot(registry, as_of=AS_OF, directory=tmp_path)
    assert first.kind == "full"
    moved = profiles.refresh_snapshot(registry, as_of=AS_OF + timedelta(days=1))
    assert moved.kind == "full" and profiles.snapshot_as_of(moved) == AS_OF + timedelta(days=1)
    assert moved.path.startswith(str(tmp_path))  # next to the earlier snapshot
    # a snapshot written for another profile schema is not patched but rebuilt
    later = AS_OF + timedelta(days=1)
    pl.DataFrame({"enterprise_id": [1]}).write_parquet(moved.path, metadata={"onewindow.as_of": later.isoformat()})
    assert profiles.snapshot_as_of(moved) == later
    rebuilt = profiles.refresh_snapshot(registry, as_of=later)
    assert rebuilt.kind == "full" and rebuilt.enterprise_count == 5


def test_empty_inputs_and_bad_input(registry, tmp_path):
    empty = profiles.profiles_for(registry, enterprise_ids=[], as_of=AS_OF)
    assert empty.height == 0 and empty.schema == profiles.SNAPSHOT_SCHEMA
    with pytest.raises(ValueError, match="带时区"):
        profiles.changed_enterprise_ids(registry, since=datetime(2025, 1, 1))
    gone = ProfileSnapshot(id=999_999, path=str(tmp_path / "missing.parquet"), enterprise_count=0, kind="full")
    with pytest.raises(profiles.SnapshotError, match="快照文件不存在"):
        profiles.load_snapshot(gone)
    stale = tmp_path / "stale.parquet"
    pl.DataFrame({"enterprise_id": [1]}).write_parquet(stale)
    with pytest.raises(profiles.SnapshotError, match="不一致"):
        profiles.load_snapshot(ProfileSnapshot(id=1, path=str(stale), enterprise_count=1, kind="full"))
