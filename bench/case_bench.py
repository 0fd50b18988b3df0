"""Case lifecycle benchmark: a 5-department parallel bundle case, start to issued e-licences, persisted
after every step, on SQLite and PostgreSQL — ours against SpiffWorkflow 3.x running the same process.

Ours: the real service functions (`onewindow.cases.service`), one transaction per step as a web request
would have (`session_scope` + `for_writing`, like a POST): start_application, save_form, submit, accept,
then for each of the 5 tasks start_review and approve; the last approval completes the case and issues
5 signed (SM2) e-licences. 14 transactions per case. The applicant is a person, so approving the
营业执照 item (设立登记, given a USCC in its result) enters the new enterprise in the registry and the
licences are issued to it.

Peer: SpiffWorkflow 3.x with a BPMN process written below (start → submit → accept → parallel split →
5 department user tasks → parallel join → issue script task → end). The same 14 steps, each in its own
transaction: read the workflow's row (FOR UPDATE), `BpmnWorkflowSerializer.deserialize_json`, act on
the ready task, `do_engine_steps`, `serialize_json`, UPDATE the row. Starting a case INSERTs the row.

Each engine runs on its own fresh, migrated database. Cases run one after another in one thread.

    .venv/bin/python bench/case_bench.py --db both --cases 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import fresh_database  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
_TMP = Path(tempfile.gettempdir())  # replaced by a private folder in main()

# ---- the catalogue: 5 departments, 5 items (one each, all 证照), one bundle with all 5 in parallel ----

DEPARTMENTS = [  # code, name, item name, result name (a licence template exists for each)
    ("SCJGJ", "市场监督管理局", "个体工商户设立登记", "营业执照"),
    ("WJW", "卫生健康委员会", "公共场所卫生许可", "公共场所卫生许可证"),
    ("YCJ", "烟草专卖局", "烟草专卖零售许可", "烟草专卖零售许可证"),
    ("STHJJ", "生态环境局", "排污许可证核发", "排污许可证"),
    ("XFJY", "消防救援支队", "公众聚集场所投入使用营业前消防安全检查", "消防安全检查合格证"),
]
BUNDLE_CODE = "BENCH-YJS-KD"


def catalogue_yaml() -> str:
    import yaml

    depts = [{"code": "SZF", "name": "基准市人民政府", "level": "市", "parent": None}]
    items = []
    for n, (code, name, item_name, result) in enumerate(DEPARTMENTS, 1):
        depts.append({"code": code, "name": f"基准市{name}", "level": "市", "parent": "SZF"})
        items.append({
            "code": f"BENCH-{code}-0001", "basic_code": f"0001{n:02d}001000", "version": 1, "status": "published",
            "valid_from": "2024-01-01", "valid_to": None, "name": item_name, "item_type": "行政许可",
            "department": code, "level": "市", "legal_basis": "《中华人民共和国行政许可法》",
            "conditions": "申请人身份经人口库核验", "statutory_limit_days": 20, "promised_limit_days": 5,
            "steps": 3, "visits": 0, "fee_fen": 0, "fee_basis": "不收费", "online_depth": "全程网办",
            "cross_province": False, "within_province": True, "commitment_allowed": False,
            "result_type": "证照", "result_name": result,
            # Every material comes from shared data, so nothing has to be uploaded.
            "materials": [
                {"code": "M-HJ", "name": "户籍证明", "required": True, "pending_allowed": False, "form": "电子",
                 "copies": 1, "source": "政府部门核发", "shared_source": "person.household_registration"},
                {"code": f"M-{code}", "name": f"{item_name}申请表", "required": True, "pending_allowed": False,
                 "form": "电子", "copies": 1, "source": "政府部门核发", "shared_source": "person.identity"},
            ],
            "form_fields": [
                {"key": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "options": [],
                 "shared_source": "person.name"},
                {"key": "contact_phone", "label": "联系电话", "type": "phone", "required": True, "options": [],
                 "shared_source": None},
                {"key": "enterprise_name", "label": "拟设立企业名称", "type": "text", "required": True,
                 "options": [], "shared_source": None},
            ],
        })
    bundle = {"code": BUNDLE_CODE, "name": "开办小餐馆一件事（基准）", "description": "5个部门并联审批",
              "status": "published", "core_item": items[0]["code"],
              "items": [{"item": i["code"], "depends_on": []} for i in items]}
    return yaml.safe_dump({"format": "onewindow-catalog/1", "departments": depts, "items": items,
                           "bundles": [bundle]}, allow_unicode=True, sort_keys=False)


# ---- databases ----------------------------------------------------------------------------------------

def table_counts(engine, tables: tuple[str, ...]) -> dict:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def step(engine):
    """One unit of work as a POST request has it: one transaction, the write lock taken up front on SQLite."""
    from onewindow.db import for_writing, session_scope

    class _Step:
        def __enter__(self):
            self._cm = session_scope(engine)
            session = self._cm.__enter__()
            for_writing(session)
            return session

        def __exit__(self, *exc):
            return self._cm.__exit__(*exc)

    return _Step()


# ---- ours ---------------------------------------------------------------------------------------------

APPLICANT_ID = "110101199003074514"  # a valid 居民身份证号码 (check digit holds)


def setup_ours(engine) -> dict:
    """Catalogue, accounts (applicant, clerk, one approver per department) and the applicant's population
    record (Person.user_id links it, so `sharing.subjects_for` returns it)."""
    from datetime import date

    from sqlalchemy import select

    from onewindow.accounts import service as accounts
    from onewindow.catalog import transfer
    from onewindow.catalog.models import Department
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope
    from onewindow.sharing.models import Person

    with session_scope(engine) as s:
        report = transfer.import_catalog(s, actor=SYSTEM, filename="bench.yaml", content=catalogue_yaml().encode())
    errors = getattr(report, "errors", None)
    if errors:
        raise RuntimeError(f"catalogue import failed: {errors[:3]}")
    with session_scope(engine) as s:
        dept = {d.code: d.id for d in s.scalars(select(Department))}
        pw = "bench-Passw0rd"
        applicant = accounts.create_user(s, actor=SYSTEM, username="bench_applicant", display_name="王小明",
                                         role="applicant", password=pw)
        clerk = accounts.create_user(s, actor=SYSTEM, username="bench_clerk", display_name="窗口李",
                                     role="clerk", password=pw)
        approvers = {}
        for code, *_ in DEPARTMENTS:
            u = accounts.create_user(s, actor=SYSTEM, username=f"bench_appr_{code.lower()}",
                                     display_name=f"{code}审批员", role="approver", password=pw,
                                     department_id=dept[code])
            approvers[dept[code]] = accounts.principal_for(u)
        s.add(Person(id_number=APPLICANT_ID, name="王小明", gender="男", birth_date=date(1990, 3, 7),
                     phone="13800138000", address="基准市东城区长安街1号", household_registration="基准市东城区",
                     marital_status="未婚", user_id=applicant.id))
        return {"applicant": accounts.principal_for(applicant), "clerk": accounts.principal_for(clerk),
                "approvers": approvers, "registration_dept": dept[DEPARTMENTS[0][0]]}


def case_ours(engine, actors: dict, n: int, timings: dict[str, list[float]]) -> None:
    from onewindow.cases import service
    from onewindow.common.ids import with_uscc_check

    applicant, clerk, approvers = actors["applicant"], actors["clerk"], actors["approvers"]
    clock = time.perf_counter

    t = clock()
    with step(engine) as s:
        app = service.start_application(s, actor=applicant, target_kind="bundle", target_code=BUNDLE_CODE,
                                        subject_kind="person", subject_key=APPLICANT_ID,
                                        contact_phone="13800138000")
        app_id = app.id
    timings["start"].append(clock() - t)
    t = clock()
    with step(engine) as s:
        service.save_form(s, actor=applicant, application_id=app_id,
                          form_data={"contact_phone": "13800138000", "enterprise_name": f"基准市小餐馆{n:08d}号"})
    timings["save_form"].append(clock() - t)
    t = clock()
    with step(engine) as s:
        app = service.submit(s, actor=applicant, application_id=app_id, idempotency_key=f"bench-{n:08d}")
        assert app.status == "submitted", app.status
    timings["submit"].append(clock() - t)
    t = clock()
    with step(engine) as s:
        case = service.accept(s, actor=clerk, application_id=app_id)
        # dict.fromkeys: within accept's own transaction case.tasks lists the first task twice (window.py
        # appends each new task to a collection the autoflush has just loaded it into).
        tasks = list(dict.fromkeys((task.id, task.department_id) for task in case.tasks))
    timings["accept"].append(clock() - t)
    assert len(tasks) == 5, tasks
    for k, (task_id, dept_id) in enumerate(tasks):
        approver = approvers[dept_id]
        t = clock()
        with step(engine) as s:
            service.start_review(s, actor=approver, task_id=task_id)
        timings["start_review"].append(clock() - t)
        t = clock()
        result = {"permit_number": f"XK{n:06d}{k}", "result": "准予许可"}
        if dept_id == actors["registration_dept"]:  # 设立登记 assigns the new enterprise's USCC
            result["uscc"] = with_uscc_check(f"9111010{n % 10**10:010d}")
        with step(engine) as s:
            task = service.approve(s, actor=approver, task_id=task_id, result_data=result)
            if k == len(tasks) - 1:
                assert task.case.status == "completed", task.case.status
        timings["approve_last_issue" if k == len(tasks) - 1 else "approve"].append(clock() - t)


def run_ours(url: str, cases: int, warmup: int) -> dict:
    from onewindow.db import make_engine

    engine = make_engine(url)
    actors = setup_ours(engine)
    for w in range(warmup):  # imports, statement caches, the signing key: what a running server has warm
        case_ours(engine, actors, 90_000_000 + w, defaultdict(list))
    before = table_counts(engine, ("cases", "licences"))
    timings: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for n in range(cases):
        case_ours(engine, actors, n, timings)
    elapsed = time.perf_counter() - started
    after = table_counts(engine, ("cases", "tasks", "licences", "case_events", "audit_records",
                                  "shared_data_reads", "outbox_messages", "enterprises"))
    from sqlalchemy import func, select

    from onewindow.cases.models import Case
    from onewindow.db import session_scope

    with session_scope(engine) as s:
        completed = s.scalar(select(func.count()).select_from(Case).where(Case.status == "completed"))
    engine.dispose()
    return {"seconds": elapsed, "timings": timings, "completed": completed - warmup,
            "licences": after["licences"] - before["licences"], "rows": after}


# ---- peer: SpiffWorkflow ------------------------------------------------------------------------------

SPIFF_DEPTS = [code.lower() for code, *_ in DEPARTMENTS]


def bpmn_xml() -> str:
    tasks = "\n".join(f'    <bpmn:userTask id="approve_{d}" name="{d} 审批"/>' for d in SPIFF_DEPTS)
    flows = "\n".join(f'    <bpmn:sequenceFlow id="f_split_{d}" sourceRef="split" targetRef="approve_{d}"/>\n'
                      f'    <bpmn:sequenceFlow id="f_{d}_join" sourceRef="approve_{d}" targetRef="join"/>'
                      for d in SPIFF_DEPTS)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="bench_defs"
                  targetNamespace="https://onewindow.invalid/bench">
  <bpmn:process id="bundle_case" name="一件事并联审批" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="submit" name="提交申请"/>
    <bpmn:userTask id="accept" name="窗口受理"/>
    <bpmn:parallelGateway id="split"/>
{tasks}
    <bpmn:parallelGateway id="join"/>
    <bpmn:scriptTask id="issue" name="统一出证">
      <bpmn:script>issued = {{k: "DZZZ-" + case_no + "-" + k for k in approvals}}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="submit"/>
    <bpmn:sequenceFlow id="f_submit" sourceRef="submit" targetRef="accept"/>
    <bpmn:sequenceFlow id="f_accept" sourceRef="accept" targetRef="split"/>
{flows}
    <bpmn:sequenceFlow id="f_issue" sourceRef="join" targetRef="issue"/>
    <bpmn:sequenceFlow id="f_end" sourceRef="issue" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def spiff_table():
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

    md = MetaData()
    return Table("bench_spiff_workflows", md,
                 Column("id", Integer, primary_key=True),
                 Column("case_no", String(40), unique=True, nullable=False),
                 Column("status", String(12), nullable=False),
                 Column("state", Text, nullable=False),  # BpmnWorkflowSerializer.serialize_json
                 Column("updated_at", DateTime(timezone=True), nullable=False))


class Spiff:
    def __init__(self, engine):
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_str(bpmn_xml().encode("utf-8"), filename="bench.bpmn")
        self.spec = parser.get_spec("bundle_case")
        self.serializer = BpmnWorkflowSerializer()
        self.engine = engine
        self.table = spiff_table()
        self.table.metadata.create_all(engine)
        self.sizes: list[int] = []

    def start(self, case_no: str) -> int:
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState
        from sqlalchemy import insert

        from onewindow.db import utcnow

        with step(self.engine) as s:
            wf = BpmnWorkflow(self.spec)
            wf.do_engine_steps()
            first = wf.get_tasks(state=TaskState.READY, manual=True)[0]  # 提交申请: the case's data starts here
            first.data.update({"case_no": case_no, "subject_key": APPLICANT_ID, "applicant": "王小明"})
            state = self.serializer.serialize_json(wf)
            return s.execute(insert(self.table).values(case_no=case_no, status="running", state=state,
                                                       updated_at=utcnow()).returning(self.table.c.id)).scalar_one()

    def act(self, wf_id: int, task_name: str, data: dict, *, run: bool) -> bool:
        """Load, update the named ready task's data (and complete it when `run`), persist. True when done."""
        from SpiffWorkflow.util.task import TaskState
        from sqlalchemy import select, update

        from onewindow.db import utcnow

        t = self.table
        with step(self.engine) as s:
            state = s.execute(select(t.c.state).where(t.c.id == wf_id).with_for_update()).scalar_one()
            wf = self.serializer.deserialize_json(state)
            task = next(x for x in wf.get_tasks(state=TaskState.READY, manual=True) if x.task_spec.name == task_name)
            for key, value in data.items():
                if isinstance(value, dict):
                    task.data[key] = {**task.data.get(key, {}), **value}
                else:
                    task.data[key] = value
            if run:
                task.run()
                wf.do_engine_steps()
            state = self.serializer.serialize_json(wf)
            self.sizes.append(len(state))
            s.execute(update(t).where(t.c.id == wf_id).values(state=state, updated_at=utcnow(),
                                                               status="completed" if wf.completed else "running"))
            return wf.completed


def case_spiff(spiff: Spiff, n: int, timings: dict[str, list[float]]) -> None:
    clock = time.perf_counter
    case_no = f"SP{n:08d}"
    t = clock()
    wf_id = spiff.start(case_no)
    timings["start"].append(clock() - t)
    t = clock()
    spiff.act(wf_id, "submit", {"form": {"contact_phone": "13800138000", "applicant_name": "王小明"}}, run=False)
    timings["save_form"].append(clock() - t)
    t = clock()
    spiff.act(wf_id, "submit", {"submitted": True}, run=True)
    timings["submit"].append(clock() - t)
    t = clock()
    spiff.act(wf_id, "accept", {"accepted_by": "bench_clerk"}, run=True)
    timings["accept"].append(clock() - t)
    for k, d in enumerate(SPIFF_DEPTS):
        t = clock()
        spiff.act(wf_id, f"approve_{d}", {"assignee": f"bench_appr_{d}"}, run=False)
        timings["start_review"].append(clock() - t)
        t = clock()
        done = spiff.act(wf_id, f"approve_{d}",
                         {"approvals": {d: {"permit_number": f"XK{n:06d}{k}", "result": "准予许可"}}}, run=True)
        last = k == len(SPIFF_DEPTS) - 1
        assert done == last, (done, last)
        timings["approve_last_issue" if last else "approve"].append(clock() - t)


def run_spiff(url: str, cases: int, warmup: int) -> dict:
    from sqlalchemy import func, select

    from onewindow.db import make_engine

    engine = make_engine(url)
    spiff = Spiff(engine)
    for w in range(warmup):
        case_spiff(spiff, 90_000_000 + w, defaultdict(list))
    spiff.sizes.clear()
    timings: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for n in range(cases):
        case_spiff(spiff, n, timings)
    elapsed = time.perf_counter() - started
    t = spiff.table
    with engine.connect() as conn:
        completed = conn.execute(select(func.count()).select_from(t).where(t.c.status == "completed")).scalar_one()
        sample = conn.execute(select(t.c.state).where(t.c.case_no == "SP00000000")).scalar_one()
    wf = spiff.serializer.deserialize_json(sample)
    issued = wf.data.get("issued", {})  # the issue script's output for one case (5 results)
    engine.dispose()
    return {"seconds": elapsed, "timings": timings, "completed": completed - warmup, "licences": len(issued),
            "json_bytes_mean": statistics.mean(spiff.sizes) if spiff.sizes else 0,
            "json_bytes_max": max(spiff.sizes, default=0)}


# ---- driver -------------------------------------------------------------------------------------------

STEPS = ("start", "save_form", "submit", "accept", "start_review", "approve", "approve_last_issue")


def versions(pg_url: str) -> dict:
    from importlib.metadata import version

    out = {"nproc": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
           "SpiffWorkflow": version("SpiffWorkflow"), "sqlalchemy": version("sqlalchemy")}
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(pg_url.rstrip("/").replace("postgresql://", "postgresql+psycopg://") + "/postgres")
        with eng.connect() as conn:
            out["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one()
        eng.dispose()
    except Exception as exc:
        out["postgresql"] = f"unavailable ({type(exc).__name__})"
    return out


def report(results: list[dict], a) -> str:
    lines = [f"cases={a.cases} (after {a.warmup} untimed warm-up cases), 14 transactions per case, one thread", "",
             f"{'engine':<16}{'db':<12}{'cases':>7}{'seconds':>10}{'cases/s':>10}{'ms/step':>9}{'ratio':>8}"]
    by_db = defaultdict(dict)
    for r in results:
        by_db[r["db"]][r["engine"]] = r
    for db, engines in by_db.items():
        peer = engines.get("spiffworkflow")
        for name in ("ours", "spiffworkflow"):
            r = engines.get(name)
            if r is None:
                continue
            if "seconds" not in r:
                lines.append(f"{name:<16}{db:<12}not measured: {r.get('error')}")
                continue
            cps = r["completed"] / r["seconds"]
            ratio = (cps / (peer["completed"] / peer["seconds"])) if peer and "seconds" in peer else float("nan")
            lines.append(f"{name:<16}{db:<12}{r['completed']:>7}{r['seconds']:>10.2f}{cps:>10.2f}"
                         f"{1000 * r['seconds'] / (14 * r['completed']):>9.2f}{ratio:>7.2f}x")
    lines.append("(ratio = cases/s ÷ SpiffWorkflow's cases/s on the same database: below 1 means ours is slower)")
    lines += ["", "MEAN MS PER STEP (each step is one committed transaction)",
              f"{'engine':<16}{'db':<12}" + "".join(f"{s:>12}" for s in ("start", "save_form", "submit", "accept",
                                                                      "review", "approve", "last+issue"))]
    for r in results:
        if "timings" not in r:
            continue
        lines.append(f"{r['engine']:<16}{r['db']:<12}" + "".join(
            f"{1000 * statistics.mean(r['timings'][s]):>12.2f}" for s in STEPS))
    lines += ["", "CHECKS"]
    for r in results:
        if "completed" in r:
            extra = (f"  JSON per save: mean {r['json_bytes_mean'] / 1024:.1f} KB, max {r['json_bytes_max'] / 1024:.1f} KB"
                     if "json_bytes_mean" in r else f"  rows after: {r['rows']}")
            lines.append(f"{r['engine']:<16}{r['db']:<12}completed={r['completed']} results per case="
                         f"{r['licences'] / max(1, r['completed']) if r['engine'] == 'ours' else r['licences']:.0f}"
                         + extra)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgres", "postgresql", "both"), default="both")
    p.add_argument("--cases", type=int, default=200, help="timed cases per engine and database")
    p.add_argument("--warmup", type=int, default=3, help="untimed cases first")
    p.add_argument("--engine", choices=("ours", "spiffworkflow", "both"), default="both")
    p.add_argument("--pg-url", default=PG_DEFAULT, help="server URL; databases onewindow_case_bench[_spiff] "
                                                        "are recreated")
    a = p.parse_args(argv)
    global _TMP
    _TMP = Path(tempfile.mkdtemp(prefix="ow-case-bench-"))
    os.environ.setdefault("ONEWINDOW_INSTANCE_DIR", str(_TMP / "instance"))  # secret key, SM2 signing key
    os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-only-secret-key")
    try:
        run(a)
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)


def run(a) -> None:
    import jieba

    jieba.initialize()  # the catalogue import segments names; a running server has the dictionary loaded
    started = time.perf_counter()
    machine = versions(a.pg_url)
    print(json.dumps(machine, ensure_ascii=False), flush=True)
    kinds = {"both": ["sqlite", "postgresql"], "postgres": ["postgresql"]}.get(a.db, [a.db])
    engines = ["ours", "spiffworkflow"] if a.engine == "both" else [a.engine]
    results = []
    for kind in kinds:
        for name in engines:
            res = {"engine": name, "db": kind}
            results.append(res)
            try:
                url = fresh_database(kind, "onewindow_case_bench" + ("_spiff" if name != "ours" else ""), a.pg_url,
                                     _TMP)
                res["loadavg_before"] = os.getloadavg()[0]
                out = (run_ours if name == "ours" else run_spiff)(url, a.cases, a.warmup)
                res.update(out)
                print(f"{name:<14} {kind:<11} {out['completed']} cases in {out['seconds']:.2f}s = "
                      f"{out['completed'] / out['seconds']:.2f} cases/s (load {res['loadavg_before']:.1f} before)",
                      flush=True)
            except Exception as exc:
                import traceback

                traceback.print_exc()
                res["error"] = f"{type(exc).__name__}: {exc}"
    text = report(results, a)
    print("\n" + text)
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    (HERE / "out").mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (HERE / "out" / f"case-results-{stamp}.json").write_text(json.dumps(
        {"args": vars(a), "machine": machine, "results": results}, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
