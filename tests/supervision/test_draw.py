"""The 双随机 draw: announced pool and seed, the standalone script reproduces it, grade ratios within binomial
bounds, no conflicted inspector, nobody paired twice in a row, nothing on quiet days."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.supervision import draw as D
from onewindow.supervision import plans
from tests.supervision.conftest import PERIOD

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_draw.py"
PUBLIC = "2027-02-26 上证指数收盘 3401.27"


def _plan(session, sup, ratios=None):
    plan = plans.create_plan(session, actor=sup.insp_scjg, department_id=sup.scjg, title="2027年3月市场主体双随机抽查",
                             period_start=PERIOD[0], period_end=PERIOD[1], matter_codes=["SC-01"],
                             ratios=ratios or {"A": 0.5, "B": 0.7, "C": 0.9, "D": 1.0})
    plans.announce(session, actor=sup.insp_scjg, plan_id=plan.id, public_value=PUBLIC)
    return plan


def test_standalone_script_reproduces_the_published_draw(session, sup, tmp_path):
    plan = _plan(session, sup)
    assert plan.seed == D.seed_of(PUBLIC, D.pool_hash(plan.pool_json))  # fixed before the draw
    plans.run_draw(session, actor=sup.insp_scjg, plan_id=plan.id)
    published = plans.published_result(session, plan=plan)
    assert published and all(p["inspectors"] for p in published)
    (tmp_path / "pool.json").write_bytes(plan.pool_json.encode("utf-8"))
    (tmp_path / "result.json").write_text(json.dumps({"picks": published}, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-I", str(SCRIPT), str(tmp_path / "pool.json"), "--public-value", PUBLIC,
                          "--seed", plan.seed, "--result", str(tmp_path / "result.json")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["picks"] == published
    # Another public value gives another seed, and the published result no longer checks.
    bad = subprocess.run([sys.executable, "-I", str(SCRIPT), str(tmp_path / "pool.json"), "--public-value", "x",
                          "--result", str(tmp_path / "result.json")], capture_output=True, text=True, check=False)
    assert bad.returncode == 1


def test_drawn_visits_fall_outside_quiet_days_and_ties_are_respected(session, sup):
    plan = _plan(session, sup, {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0})
    picks = plans.run_draw(session, actor=sup.insp_scjg, plan_id=plan.id)
    assert all(p.visit_on.day > 20 for p in picks)
    tied_pick = next(p for p in picks if p.enterprise_id == sup.enterprises[0].id)
    assert sup.tied.id not in tied_pick.inspector_ids


def test_no_pair_twice_in_a_row(session, sup):
    first = _plan(session, sup, {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0})
    plans.run_draw(session, actor=sup.insp_scjg, plan_id=first.id)
    before = {(i, p.enterprise_id) for p in plans.picks_of(session, plan_id=first.id) for i in p.inspector_ids}
    second = _plan(session, sup, {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0})
    plans.run_draw(session, actor=sup.insp_scjg, plan_id=second.id)
    after = {(i, p.enterprise_id) for p in plans.picks_of(session, plan_id=second.id) for i in p.inspector_ids}
    assert after and not before & after


def test_grade_shares_within_binomial_bounds_on_a_large_pool():
    n_per = 50_000
    ratios = {"A": 20_000, "B": 50_000, "C": 150_000, "D": 400_000}  # 2%, 5%, 15%, 40%
    entities = [[f"91{g}{i:015d}", g] for g in "ABCD" for i in range(n_per)]
    drawn = D.draw_entities("f" * 64, entities, ratios)
    for g, ppm in ratios.items():
        p = ppm / 1_000_000
        k = sum(1 for _x, _u, grade in drawn if grade == g)
        sd = math.sqrt(n_per * p * (1 - p))
        assert abs(k - n_per * p) <= 4 * sd, (g, k)


pools = st.fixed_dictionaries({
    "n": st.integers(1, 30), "m": st.integers(1, 6), "team": st.integers(1, 3),
    "ties": st.lists(st.tuples(st.integers(0, 5), st.integers(0, 29)), max_size=40),
    "prev": st.lists(st.tuples(st.integers(0, 5), st.integers(0, 29)), max_size=40),
    "seed": st.text("0123456789abcdef", min_size=64, max_size=64)})


@settings(max_examples=150, deadline=None)
@given(pools)
def test_no_conflicted_inspector_is_ever_drawn(spec):
    ents = [f"E{i:02d}" for i in range(spec["n"])]
    badges = [f"B{j}" for j in range(spec["m"])]
    ties = {(f"B{j}", f"E{i:02d}") for j, i in spec["ties"]}
    prev = sorted({(f"B{j}", f"E{i:02d}") for j, i in spec["prev"]})
    pool = {"ratios_ppm": {"A": 1_000_000}, "team_size": spec["team"], "visit_days": ["2027-03-22"],
            "entities": [[e, "A"] for e in ents], "previous_pairs": [list(p) for p in prev],
            "inspectors": [[b, sorted(e for bb, e in ties if bb == b)] for b in badges]}
    for pick in D.draw(pool, spec["seed"]):
        free = [b for b in badges if (b, pick["uscc"]) not in ties and (b, pick["uscc"]) not in set(prev)]
        assert len(pick["inspectors"]) == min(spec["team"], len(free))
        for b in pick["inspectors"]:
            assert (b, pick["uscc"]) not in ties and (b, pick["uscc"]) not in set(prev)
