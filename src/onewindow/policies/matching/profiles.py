"""Enterprise profiles assembled from the shared-data registries (item 4 of issue 4), kept as columnar
(Parquet) snapshots that the matcher reads in one go.

A snapshot holds one row per enterprise in business (存续): ``enterprise_id``, ``uscc`` and ``name``
for display, and every stored profile field (``PROFILE_SCHEMA.polars_schema()``):

=============================  ============================================================
profile field                  registry source
=============================  ============================================================
industry, region               enterprises.industry_code, region_code
registered_capital             enterprises.registered_capital_fen
established_on                 enterprises.established_on
employees                      enterprises.insured_employees (参保人数)
tax_paid, tax_credit_grade     enterprises.tax_paid_fen, tax_credit_grade
certifications                 enterprises.certifications
flags                          enterprises.stats_flags, plus 个体工商户 / 外资 from entity_type
revenue, rd_expense            enterprises.revenue_fen, rd_expense_fen
unemployment_insurance_paid    enterprises.unemployment_insurance_fen
layoffs, graduates_hired       enterprises.layoffs, graduates_hired
violations                     credit records in the three years up to ``as_of``
credit_serious                 a 严重 credit record not repaired by ``as_of``
=============================  ============================================================

A registry NULL stays null (unknown: rules treat it as "cannot decide"); ``tax_paid``, ``employees``,
``certifications`` and the credit fields are never null because the registries always know them
(0, [] and "no record" are facts). Everything is read with a handful of set-based queries, never a
query per enterprise. ``as_of`` is a local (Asia/Shanghai) date and is kept in the file's metadata,
since the credit fields depend on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import Select, Text, and_, case, cast, func, or_, select, union
from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.config import get_settings
from onewindow.policies.models import ProfileSnapshot
from onewindow.policies.rules.profile import PROFILE_SCHEMA, TAX_CREDIT_GRADES
from onewindow.sharing import views as registry

VIOLATION_YEARS = 3
DISPLAY_COLUMNS = {"enterprise_id": pl.Int64, "uscc": pl.Utf8, "name": pl.Utf8}
SNAPSHOT_SCHEMA = pl.Schema({**DISPLAY_COLUMNS, **PROFILE_SCHEMA.polars_schema()})
# A registry change is stamped when it is flushed but seen only once committed; an incremental refresh
# looks this far behind the previous read so a transaction that was still open then is not missed.
COMMIT_MARGIN = timedelta(minutes=10)
ID_CHUNK = 5_000  # ids per IN (...) list: well under SQLite's bound-parameter limit
FETCH_ROWS = 50_000  # rows turned into Python objects and a frame at a time

# (result column, Polars type as read). Dates and JSON sets come back as text and are parsed by Polars:
# per-row conversion in the driver would cost more than the query at 370,000 rows.
_RAW_COLUMNS = (
    ("enterprise_id", pl.Int64), ("uscc", pl.Utf8), ("name", pl.Utf8), ("entity_type", pl.Utf8),
    ("industry", pl.Utf8), ("region", pl.Utf8), ("registered_capital", pl.Int64), ("established_on", pl.Utf8),
    ("employees", pl.Int64), ("tax_paid", pl.Int64), ("tax_credit_grade", pl.Utf8), ("certifications", pl.Utf8),
    ("flags", pl.Utf8), ("revenue", pl.Int64), ("unemployment_insurance_paid", pl.Int64), ("layoffs", pl.Int64),
    ("graduates_hired", pl.Int64), ("rd_expense", pl.Int64), ("violations", pl.Int64), ("credit_serious", pl.Int64),
)


class SnapshotError(ValueError):
    """A snapshot that cannot be read; the message is Chinese."""


def _day_start(day: date) -> datetime:
    """00:00 Asia/Shanghai on ``day``, in UTC (registries store UTC)."""
    return beijing.day_start(day)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _select(as_of: date) -> Select:
    """Every enterprise in business with its credit figures as of ``as_of`` (one LEFT JOIN on a grouped
    sub-query, so the cost does not grow with a query per enterprise)."""
    since, until = _day_start(_years_before(as_of, VIOLATION_YEARS)), _day_start(as_of + timedelta(days=1))
    r = registry.credit_records.c
    unrepaired_serious = and_(r.severity == "严重", or_(r.repaired_at.is_(None), r.repaired_at >= until))
    credit = (
        select(r.subject_key.label("uscc"),
               func.sum(case((r.recorded_at >= since, 1), else_=0)).label("violations"),
               func.max(case((unrepaired_serious, 1), else_=0)).label("serious"))
        .where(r.subject_kind == "enterprise", r.recorded_at < until)
        .group_by(r.subject_key)
        .subquery("credit")
    )
    e = registry.enterprises.c
    return (
        select(e.id, e.uscc, e.name, e.entity_type, e.industry_code, e.region_code, e.registered_capital_fen,
               cast(e.established_on, Text), e.insured_employees, e.tax_paid_fen, e.tax_credit_grade,
               cast(e.certifications, Text), cast(e.stats_flags, Text), e.revenue_fen,
               e.unemployment_insurance_fen, e.layoffs, e.graduates_hired, e.rd_expense_fen,
               func.coalesce(credit.c.violations, 0), func.coalesce(credit.c.serious, 0))
        .outerjoin(credit, credit.c.uscc == e.uscc)
        .where(e.status == "存续")
        .order_by(e.id)
    )


def _read(session: Session, statements: Iterable[Select]) -> pl.DataFrame:
    raw_schema = pl.Schema(dict(_RAW_COLUMNS))
    connection = session.connection()  # Core rows: no ORM bookkeeping per row
    frames = []
    for stmt in statements:
        # A plain client-side cursor: with a server-side one (yield_per) PostgreSQL plans for the first
        # rows, which right after a bulk load made this join take minutes. Python objects are still
        # made one partition at a time.
        result = connection.execute(stmt)
        for rows in result.partitions(FETCH_ROWS):
            frames.append(pl.DataFrame(rows, schema=raw_schema, orient="row"))
    raw = pl.concat(frames) if frames else raw_schema.to_frame()
    return _to_profiles(raw)


def _set(column: str) -> pl.Expr:
    return (pl.col(column).str.json_decode(pl.List(pl.Utf8)).fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
            .list.unique().list.sort())


def _to_profiles(raw: pl.DataFrame) -> pl.DataFrame:
    entity = pl.col("entity_type")
    derived = pl.concat_list(  # flags the registration itself states
        pl.when(entity == "个体工商户").then(pl.lit("个体工商户")),
        pl.when(entity.str.contains("外商|外资|港澳台")).then(pl.lit("外资")),
    ).list.drop_nulls()
    # Enterprises share few distinct sets, so each distinct JSON text (with the entity type, for flags)
    # is decoded once and joined back.
    certifications = (raw.select(pl.col("certifications").alias("certs_json")).unique()
                      .with_columns(_set("certs_json").alias("certifications")))
    flags = (raw.select(pl.col("flags").alias("flags_json"), "entity_type").unique()
             .with_columns(pl.concat_list(_set("flags_json"), derived).list.unique().list.sort().alias("flags")))
    grade = pl.col("tax_credit_grade").str.strip_chars().str.to_uppercase()
    return (
        raw.rename({"certifications": "certs_json", "flags": "flags_json"})
        .join(certifications, on="certs_json", how="left", nulls_equal=True, maintain_order="left")
        .join(flags, on=["flags_json", "entity_type"], how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            pl.when(grade.is_in(TAX_CREDIT_GRADES)).then(grade).alias("tax_credit_grade"),  # anything else: unknown
            pl.col("established_on").str.slice(0, 10).str.to_date("%Y-%m-%d"),
            (pl.col("credit_serious") > 0).alias("credit_serious"),
        )
        .select(pl.col(name).cast(dtype) for name, dtype in SNAPSHOT_SCHEMA.items())
    )


def profiles_for(session: Session, *, enterprise_ids: Sequence[int], as_of: date) -> pl.DataFrame:
    """The snapshot columns for just these enterprises (those still in business), by id."""
    ids = sorted(set(enterprise_ids))
    e = registry.enterprises.c
    statements = [_select(as_of).where(e.id.in_(ids[i:i + ID_CHUNK])) for i in range(0, len(ids), ID_CHUNK)]
    return _read(session, statements).sort("enterprise_id") if statements else SNAPSHOT_SCHEMA.to_frame()


def changed_enterprise_ids(session: Session, *, since: datetime) -> list[int]:
    """Enterprises whose registry row changed at or after ``since``, or that gained or repaired a credit
    record then — including ones no longer in business, which a refresh must drop."""
    if since.tzinfo is None:
        raise ValueError("「since」须为带时区的时间（如 UTC），不能是不带时区的时间")
    e, r = registry.enterprises.c, registry.credit_records.c
    credited = select(r.subject_key).where(r.subject_kind == "enterprise",
                                           or_(r.recorded_at >= since, r.repaired_at >= since))
    stmt = union(select(e.id).where(e.updated_at >= since), select(e.id).where(e.uscc.in_(credited)))
    return sorted(session.scalars(stmt))


def _newest_change(session: Session) -> datetime | None:
    e, r = registry.enterprises.c, registry.credit_records.c
    stamps = [session.scalar(select(func.max(e.updated_at))),
              session.scalar(select(func.max(r.recorded_at)).where(r.subject_kind == "enterprise")),
              session.scalar(select(func.max(r.repaired_at)).where(r.subject_kind == "enterprise"))]
    return max((s for s in stamps if s is not None), default=None)


def _write(session: Session, frame: pl.DataFrame, *, as_of: date, kind: str, started: datetime,
           newest: datetime | None, directory: Path | None) -> ProfileSnapshot:
    folder = Path(directory) if directory is not None else get_settings().profile_snapshot_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"profiles-{as_of:%Y%m%d}-{started:%Y%m%dT%H%M%S%f}-{kind}.parquet"
    partial = path.with_suffix(".parquet.partial")
    frame.write_parquet(partial, metadata={"onewindow.as_of": as_of.isoformat(), "onewindow.kind": kind})
    os.replace(partial, path)  # readers never see a half-written file
    snapshot = ProfileSnapshot(path=str(path.resolve()), built_at=started, source_changed_at=newest,
                               enterprise_count=frame.height, kind=kind)
    session.add(snapshot)
    session.flush()
    return snapshot


def build_snapshot(session: Session, *, as_of: date, directory: Path | None = None) -> ProfileSnapshot:
    """Read every enterprise in business and write a full snapshot (``kind`` "full"). ``built_at`` is
    when the read began, which is what the next incremental refresh starts from."""
    started, newest = datetime.now(UTC), _newest_change(session)
    return _write(session, _read(session, [_select(as_of)]), as_of=as_of, kind="full", started=started,
                  newest=newest, directory=directory)


def refresh_snapshot(session: Session, *, as_of: date, directory: Path | None = None) -> ProfileSnapshot:
    """A new snapshot from the latest one, re-reading only the enterprises changed since it was read
    (``kind`` "incremental"), in the latest one's directory unless told otherwise. Without a usable
    earlier snapshot for the same ``as_of`` — the credit window moves with the date — this is a full
    build."""
    base = latest_snapshot(session)
    if directory is None and base is not None:
        directory = Path(base.path).parent  # snapshots stay together
    if base is None or snapshot_as_of(base) != as_of:
        return build_snapshot(session, as_of=as_of, directory=directory)
    try:
        earlier = load_snapshot(base)
    except SnapshotError:  # written for an older profile schema: start again
        return build_snapshot(session, as_of=as_of, directory=directory)
    started, newest = datetime.now(UTC), _newest_change(session)
    changed = changed_enterprise_ids(session, since=base.built_at - COMMIT_MARGIN)
    kept = earlier.filter(~pl.col("enterprise_id").is_in(changed))
    fresh = profiles_for(session, enterprise_ids=changed, as_of=as_of)
    frame = pl.concat([kept, fresh]).sort("enterprise_id")
    return _write(session, frame, as_of=as_of, kind="incremental", started=started, newest=newest,
                  directory=directory)


def latest_snapshot(session: Session) -> ProfileSnapshot | None:
    return session.scalar(select(ProfileSnapshot).order_by(ProfileSnapshot.built_at.desc(),
                                                           ProfileSnapshot.id.desc()).limit(1))


def load_snapshot(snapshot: ProfileSnapshot) -> pl.DataFrame:
    """The snapshot's rows (``SNAPSHOT_SCHEMA``), checked against the current profile schema."""
    path = Path(snapshot.path)
    if not path.exists():
        raise SnapshotError(f"企业画像快照文件不存在：{path}（快照 #{snapshot.id}），请重新生成快照")
    frame = pl.read_parquet(path)
    if frame.schema != SNAPSHOT_SCHEMA:
        raise SnapshotError(f"企业画像快照 #{snapshot.id} 的字段与当前画像结构不一致，请重新生成快照")
    return frame


def snapshot_as_of(snapshot: ProfileSnapshot) -> date | None:
    """The date the snapshot's credit fields are computed for (kept in the Parquet metadata)."""
    try:
        meta = pl.read_parquet_metadata(snapshot.path)
    except (OSError, pl.exceptions.PolarsError):
        return None
    text = meta.get("onewindow.as_of")
    return date.fromisoformat(text) if text else None
