"""The peer of the indicators benchmark: the same measures written by hand as plain PostgreSQL GROUP BY
queries — one per table and date column, grouped by Beijing month × department × item over the whole
span, then rolled up in SQL (GROUPING SETS) to department, county, item and city for every month and
quarter. It covers the measures of cases (accepted- and completion-dated), 12345 demands and ratings;
not 差评整改 (the rectification ledger), policies, bundles or supervision (ours computes those too).
"""

from __future__ import annotations

from sqlalchemy import text

UNITS = """units as (select d.id, case when pd.level = '县' then pd.id when d.level = '县' then d.id end county
  from departments d left join departments pd on pd.id = d.parent_id)"""
ITEMS = """items as (select code, online_depth, statutory_limit_days from service_items where status = 'published')"""

CASES_ACCEPTED = """select to_char(c.accepted_on, 'YYYY-MM') m, c.lead_department_id dept, a.target_code item,
  count(*) accepted, count(*) filter (where i.online_depth in ('网上可办', '全程网办')) online_doable,
  count(*) filter (where i.online_depth = '全程网办' and a.channel = 'online') fully_online,
  count(*) filter (where a.channel = 'online' and c.delivery_method = 'mail') zero_visit,
  count(*) filter (where c.limit_days = 0) instant, count(*) filter (where c.sla_state = 'overdue') overdue
from cases c join applications a on a.id = c.application_id
left join items i on a.target_kind = 'item' and i.code = a.target_code
where c.accepted_on between :s and :e group by 1, 2, 3"""

HANDLING = ("(extract(epoch from c.completed_at - c.accepted_on::timestamptz) / 86400.0 + 8 / 24.0)")
CASES_COMPLETED = f"""select to_char(c.completed_at at time zone 'Asia/Shanghai', 'YYYY-MM') m,
  c.lead_department_id dept, a.target_code item, count(*) completed,
  count(*) filter (where c.sla_state <> 'overdue') completed_on_time, sum({HANDLING}) handling_days,
  sum(c.limit_days) promised_days, sum(i.statutory_limit_days) statutory_days,
  sum(i.statutory_limit_days - c.limit_days) statutory_saved_days,
  sum(i.statutory_limit_days - {HANDLING}) filter (where i.code is not null) handling_saved_days
from cases c join applications a on a.id = c.application_id
left join items i on a.target_kind = 'item' and i.code = a.target_code
where c.completed_at >= :lo and c.completed_at < :hi group by 1, 2, 3"""

DEMANDS = """select to_char(d.received_at at time zone 'Asia/Shanghai', 'YYYY-MM') m, d.lead_department_id dept,
  nullif(d.item_code, '') item, count(*) received, count(*) filter (where d.status = 'closed') completed,
  count(*) filter (where d.status = 'closed' and not d.overdue_ever) completed_on_time,
  count(*) filter (where d.direct) direct, count(*) filter (where d.satisfaction is not null) rated,
  count(*) filter (where d.satisfaction in ('satisfied', 'basic')) satisfied,
  count(*) filter (where d.resolved is not null) called, count(*) filter (where d.resolved) resolved,
  count(*) filter (where d.sla_state = 'overdue' and d.status <> 'closed') overdue_open
from demands d where d.received_at >= :lo and d.received_at < :hi and d.merged_into_id is null group by 1, 2, 3"""

RATINGS = """select to_char(r.rated_on, 'YYYY-MM') m, rm.department_id dept, rm.item_code item, count(*) rated,
  count(*) filter (where r.level not in ('unsatisfied', 'very_unsatisfied')) good,
  count(*) filter (where r.level in ('unsatisfied', 'very_unsatisfied') and r.real_name) real_bad
from ratings r join rating_matters rm on rm.id = r.matter_id
where not r.excluded and r.rated_on between :s and :e group by 1, 2, 3"""

QUERIES = {"cases (accepted)": CASES_ACCEPTED, "cases (completed)": CASES_COMPLETED, "demands": DEMANDS,
           "ratings": RATINGS}
MEASURES = {"cases (accepted)": ("accepted", "online_doable", "fully_online", "zero_visit", "instant", "overdue"),
            "cases (completed)": ("completed", "completed_on_time", "handling_days", "promised_days",
                                  "statutory_days", "statutory_saved_days", "handling_saved_days"),
            "demands": ("received", "completed", "completed_on_time", "direct", "rated", "satisfied", "called",
                        "resolved", "overdue_open"),
            "ratings": ("rated", "good", "real_bad")}


def rollup(cells: str, measures: tuple[str, ...]) -> str:
    """Month × department × item cells → every month and quarter × (department | county | item | city)."""
    sums = ", ".join(f"sum({m}) {m}" for m in measures)
    return f"""with {UNITS}, {ITEMS}, cells as ({cells})
select p.period, c.dept, u.county, c.item, {sums}
from cells c left join units u on u.id = c.dept
cross join lateral (values (c.m), (substr(c.m, 1, 4) || '-Q' || ((substr(c.m, 6, 2)::int + 2) / 3))) p(period)
group by grouping sets ((p.period, c.dept), (p.period, u.county), (p.period, c.item), (p.period))"""


def run(session, *, start, end, lo, hi) -> int:
    """Every peer figure for [start, end] (dates) / [lo, hi) (UTC moments); returns the rows produced."""
    n = 0
    for name, cells in QUERIES.items():
        n += len(session.execute(text(rollup(cells, MEASURES[name])), {"s": start, "e": end, "lo": lo, "hi": hi})
                 .all())
    return n
