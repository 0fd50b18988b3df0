"""Policy matching at province scale: our engine against OpenFisca-core, same rules, same data.

One command does it all (issue 4, acceptance item 11):

1. generates N enterprise profiles (``demo.profiles.profiles`` over the 124 regions of
   ``policy_items.PROVINCE``; timed apart, not part of any batch) and writes them to Parquet in a
   private temporary folder, with the library of M award items (``policy_items.library``);
2. runs **ours** in its own subprocess: read the frame, ``compile_item`` every item, then the
   timed batch ``engine.match(frame, items, as_of, parameters)`` (eligibility, amounts,
   highest-in-group), then ``explain_enterprise`` for ~200 random enterprises across all items;
3. runs **OpenFisca** in its own subprocess: the same items translated from our rule AST into
   OpenFisca variables (``policy_openfisca.py``), the frame encoded as input arrays, then the
   timed batch: every item's eligibility and amount and every group's winner;
4. compares the two results in full: the set of eligible (enterprise, item) pairs, the eligible
   amount of each, and which item each enterprise is awarded in each group; prints the figures.

Memory: each engine runs in a fresh Python process, which reports from ``/proc/self/status``:
``VmRSS`` after the frame is read ("input"), and ``VmHWM`` — the peak resident set — over the
batch alone (reset by writing ``5`` to ``/proc/self/clear_refs`` just before it). "peak" below is
that VmHWM, input frame included; "over input" is peak minus input.

    .venv/bin/python bench/policy_bench.py --enterprises 2000000 --items 2000
    .venv/bin/python bench/policy_bench.py --enterprises 200000 --items 2000 --skip-openfisca

Options: ``--as-of`` (default 2025-06-30), ``--seed``, ``--explain N`` (enterprises to explain,
default 200), ``--openfisca-max N`` (run OpenFisca on the first N enterprises only, when the full
size does not fit; the comparison is then on those rows), ``--dump-openfisca FILE`` (write the
generated OpenFisca source), ``--json FILE``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


# --- memory ----------------------------------------------------------------------------------


def _status(key: str) -> int:
    """A ``/proc/self/status`` figure in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the peak covers only what follows."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


# --- workers (each in its own process) -------------------------------------------------------


def _read_frame(path: str):
    import polars as pl

    return pl.read_parquet(path)


def worker_ours(args) -> dict:
    import random

    from policy_items import library

    from onewindow.demo.profiles import row_profile
    from onewindow.policies.engine import core as engine

    as_of = dt.date.fromisoformat(args.as_of)
    lib = library(args.items, seed=args.item_seed)
    df = _read_frame(args.frame)
    stats: dict = {"rows": df.height, "input_rss": _status("VmRSS")}

    t = time.perf_counter()
    items = [
        engine.compile_item(code=a.code, title=a.title, rule=a.rule, amount=a.amount,
                            parameters=lib.parameters, group=a.group)
        for a in lib.awards
    ]
    stats["compile_s"] = time.perf_counter() - t

    _reset_peak()
    stats["batch_start_rss"] = _status("VmRSS")
    stats["loadavg_before"] = os.getloadavg()[0]
    t, cpu = time.perf_counter(), time.process_time()
    result = engine.match(df, items, as_of=as_of, parameters=lib.parameters)
    stats["batch_s"] = time.perf_counter() - t  # the first match: plans the items as of the date
    stats["batch_cpu_s"] = time.process_time() - cpu  # all threads of the process
    stats["match_peak_rss"] = _status("VmHWM")
    t = time.perf_counter()
    pairs = result.pairs(stages=False)  # the per-stage breakdown is not compared (see README)
    stats["pairs_s"] = time.perf_counter() - t
    stats["peak_rss"] = _status("VmHWM")
    stats["pairs"] = pairs.height

    # results for the comparison (outside the timed batch)
    keep = [c for c in ("enterprise_id", "item_code", "eligible_amount", "awarded_amount", "outcome", "superseded_by")
            if c in pairs.columns]
    pairs.select(keep).write_parquet(args.out)
    summary = result.summary()
    summary.write_parquet(Path(args.out).with_suffix(".summary.parquet"))
    stats["eligible_total_fen"] = int(summary["eligible_total"].sum())
    stats["awarded_total_fen"] = int(summary["awarded_total"].sum())
    stats["awarded_count"] = int(summary["awarded_count"].sum())
    del result, pairs, summary

    # the same batch again: the plan is cached for the same item specs, date and parameters
    t, cpu = time.perf_counter(), time.process_time()
    engine.match(df, items, as_of=as_of, parameters=lib.parameters)
    stats["batch_again_s"] = time.perf_counter() - t
    stats["batch_again_cpu_s"] = time.process_time() - cpu
    stats["peak_rss_again"] = _status("VmHWM")

    if args.explain:
        rng = random.Random(args.seed)
        rows = [rng.randrange(df.height) for _ in range(args.explain)]
        profiles = [row_profile(df.row(i, named=True)) for i in rows]
        engine.explain_enterprise(profiles[0], items, as_of=as_of, parameters=lib.parameters)  # warm
        calls, full, reasons, cpu_calls, cpu_full = [], [], [], [], []
        for profile in profiles:
            t, cpu = time.perf_counter(), time.process_time()
            out = engine.explain_enterprise(profile, items, as_of=as_of, parameters=lib.parameters)
            called, cpu_called = time.perf_counter(), time.process_time()
            # the reasons are computed lazily: ask for every failed condition and missing field
            n = sum(len(ex.conditions) + len(ex.missing) for ex in out if not ex.eligible)
            done, cpu_done = time.perf_counter(), time.process_time()
            calls.append(called - t)
            full.append(done - t)
            cpu_calls.append(cpu_called - cpu)
            cpu_full.append(cpu_done - cpu)
            reasons.append(n)

        def dist(times: list[float]) -> dict:
            times = sorted(times)
            return {"n": len(times), "median": 1000 * statistics.median(times),
                    "p90": 1000 * times[int(0.9 * (len(times) - 1))], "max": 1000 * times[-1]}

        stats["explain_ms"] = dist(calls)  # explain_enterprise(): status and amount of every item
        stats["explain_reasons_ms"] = dist(full)  # … and every failed condition / missing field
        stats["explain_reasons_median"] = statistics.median(reasons)
        stats["explain_cpu_ms"] = dist(cpu_calls)
        stats["explain_reasons_cpu_ms"] = dist(cpu_full)
    return stats


def worker_openfisca(args) -> dict:
    import numpy
    import polars as pl
    from policy_items import library
    from policy_openfisca import Generated

    as_of = dt.date.fromisoformat(args.as_of)
    lib = library(args.items, seed=args.item_seed)
    df = _read_frame(args.frame)
    if args.openfisca_max and df.height > args.openfisca_max:
        df = df.head(args.openfisca_max)
    stats: dict = {"rows": df.height, "input_rss": _status("VmRSS")}

    t = time.perf_counter()
    gen = Generated(lib.awards, lib.parameters)
    gen.build()
    stats["compile_s"] = time.perf_counter() - t
    if args.dump_openfisca:
        Path(args.dump_openfisca).write_text(gen.text, encoding="utf-8")

    ids = df.get_column("enterprise_id").to_numpy()
    df_rows = df.height
    t = time.perf_counter()
    arrays = gen.encode(df)
    stats["encode_s"] = time.perf_counter() - t
    del df  # OpenFisca holds its own input arrays from here on

    _reset_peak()
    stats["batch_start_rss"] = _status("VmRSS")
    t = time.perf_counter()
    sim = gen.simulation(arrays)
    stats["set_input_s"] = time.perf_counter() - t
    del arrays
    timing: dict = {}
    stats["loadavg_before"] = os.getloadavg()[0]
    t, cpu = time.perf_counter(), time.process_time()
    res = gen.run(sim, as_of, timing=timing)
    stats["run_s"] = time.perf_counter() - t
    stats["run_cpu_s"] = time.process_time() - cpu  # calculate + harvest
    stats.update(timing)  # calculate_s (OpenFisca) and harvest_s (flatnonzero, gathers)
    stats["batch_s"] = stats["set_input_s"] + stats["calculate_s"]
    stats["peak_rss"] = _status("VmHWM")
    stats["pairs"] = int(len(res["item"]))

    if args.openfisca_rules_only:  # a second, fresh simulation: the rules alone, for the calibration
        del sim
        sim = gen.simulation(gen.encode(_read_frame(args.frame).head(df_rows)))
        t = time.perf_counter()
        stats["rules_only_matches"] = gen.run_rules(sim, as_of)
        stats["rules_only_s"] = time.perf_counter() - t

    codes = pl.Series([a.code for a in lib.awards])
    winner = res["superseded_by"]
    pl.DataFrame({
        "enterprise_id": ids[res["enterprise"]],
        "item_code": codes.gather(res["item"]),
        "eligible_amount": res["eligible_amount"],
        "awarded": res["awarded"],
        "awarded_amount": numpy.where(res["awarded"], res["eligible_amount"], 0),  # no budgets in this library
        "superseded_by": codes.gather(numpy.maximum(winner, 0)).set(pl.Series(winner < 0), None),
    }).write_parquet(args.out)
    del sim, res

    if args.explain:
        import random

        # one enterprise across every item (eligibility and amounts; OpenFisca has no "why not")
        rng = random.Random(args.seed)
        frame = _read_frame(args.frame)
        times = []
        for _ in range(min(args.explain, 20)):
            one = frame.slice(rng.randrange(frame.height), 1)
            t = time.perf_counter()
            sim = gen.simulation(gen.encode(one))
            gen.run(sim, as_of)
            times.append(time.perf_counter() - t)
        stats["one_enterprise_ms"] = {"n": len(times), "median": 1000 * statistics.median(times)}
    return stats


# --- the comparison ----------------------------------------------------------------------------


def compare(ours_path: str, theirs_path: str, rows_limit: int | None) -> dict:
    """Full comparison of the two result sets: every eligible (enterprise, item) pair, its
    eligible amount, whether it is awarded, the awarded amount and the group winner that
    superseded it; and ours' per-item summary against sums of OpenFisca's pairs. Returns counts
    and up to 5 examples of each kind of mismatch."""
    import polars as pl

    ours = pl.read_parquet(ours_path)
    theirs = pl.read_parquet(theirs_path)
    summary = pl.read_parquet(str(Path(ours_path).with_suffix(".summary.parquet")))
    if rows_limit is not None:
        ours = ours.filter(pl.col("enterprise_id") <= rows_limit)  # ids are 1..N in row order
    ours = ours.with_columns(awarded=_awarded(ours))
    key = ["enterprise_id", "item_code"]
    values = ["eligible_amount", "awarded", "awarded_amount", "superseded_by"]
    joined = ours.select(*key, *values).join(theirs.select(*key, *values), on=key, how="full", suffix="_of",
                                              coalesce=True)
    only_ours = joined.filter(pl.col("eligible_amount_of").is_null())
    only_theirs = joined.filter(pl.col("eligible_amount").is_null())
    both = joined.filter(pl.col("eligible_amount").is_not_null() & pl.col("eligible_amount_of").is_not_null())
    diffs = {
        "amount_differs": both.filter(pl.col("eligible_amount") != pl.col("eligible_amount_of")),
        "winner_differs": both.filter((pl.col("awarded") != pl.col("awarded_of"))
                                      | pl.col("superseded_by").ne_missing(pl.col("superseded_by_of"))),
        "awarded_amount_differs": both.filter(pl.col("awarded_amount") != pl.col("awarded_amount_of")),
    }
    out = {
        "pairs_ours": ours.height,
        "pairs_openfisca": theirs.height,
        "only_ours": only_ours.height,
        "only_openfisca": only_theirs.height,
        **{name: frame.height for name, frame in diffs.items()},
        "awarded_pairs": int(both["awarded"].sum() or 0),
        "eligible_fen": int(both["eligible_amount"].sum() or 0),
        "awarded_fen": int(both["awarded_amount"].sum() or 0),
    }
    if rows_limit is None:  # ours' summary() covers every enterprise
        sums = theirs.group_by("item_code").agg(
            eligible_count=pl.len(), awarded_count=pl.col("awarded").sum().cast(pl.Int64),
            eligible_total=pl.col("eligible_amount").sum(), awarded_total=pl.col("awarded_amount").sum())
        cols = ["eligible_count", "awarded_count", "eligible_total", "awarded_total"]
        check = summary.select("item_code", *cols).join(sums, on="item_code", how="left", suffix="_of").fill_null(0)
        diffs["summary_differs"] = check.filter(pl.any_horizontal(pl.col(c) != pl.col(f"{c}_of") for c in cols))
        out["summary_differs"] = diffs["summary_differs"].height
    out["equal"] = not (out["only_ours"] or out["only_openfisca"] or any(f.height for f in diffs.values()))
    if not out["equal"]:
        out["examples"] = {
            name: frame.head(5).to_dicts()
            for name, frame in (("only_ours", only_ours), ("only_openfisca", only_theirs), *diffs.items())
            if frame.height
        }
    return out


def _awarded(pairs):
    """Whether ours awarded the pair (it won its group, or has no group)."""
    import polars as pl

    if "outcome" in pairs.columns:
        return pl.col("outcome") == "awarded"
    return pl.col("superseded_by").is_null()


# --- main --------------------------------------------------------------------------------------


def _run_worker(kind: str, args, frame: Path, out: Path) -> dict:
    stats_path = out.with_suffix(".json")
    cmd = [sys.executable, __file__, "--worker", kind, "--frame", str(frame), "--out", str(out),
           "--stats", str(stats_path), "--items", str(args.items), "--as-of", args.as_of,
           "--seed", str(args.seed), "--item-seed", str(args.item_seed), "--explain", str(args.explain)]
    if kind == "openfisca":
        if args.openfisca_max:
            cmd += ["--openfisca-max", str(args.openfisca_max)]
        if args.dump_openfisca:
            cmd += ["--dump-openfisca", args.dump_openfisca]
        if args.openfisca_rules_only:
            cmd.append("--openfisca-rules-only")
    t = time.perf_counter()
    proc = subprocess.run(cmd, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"failed": f"exit code {proc.returncode}", "process_s": wall}
    stats = json.loads(stats_path.read_text())
    stats["process_s"] = wall
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=2_000_000)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1, help="profiles and the explained sample")
    ap.add_argument("--item-seed", type=int, default=7, help="the item library")
    ap.add_argument("--as-of", default="2025-06-30")
    ap.add_argument("--explain", type=int, default=200)
    ap.add_argument("--skip-openfisca", action="store_true")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--openfisca-max", type=int, default=0)
    ap.add_argument("--dump-openfisca")
    ap.add_argument("--openfisca-rules-only", action="store_true",
                    help="also time OpenFisca on the eligibility rules alone (the issue's calibration)")
    ap.add_argument("--json")
    # worker mode (internal)
    ap.add_argument("--worker", choices=["ours", "openfisca"], help=argparse.SUPPRESS)
    ap.add_argument("--frame", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--stats", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        stats = worker_ours(args) if args.worker == "ours" else worker_openfisca(args)
        Path(args.stats).write_text(json.dumps(stats, ensure_ascii=False, indent=1))
        return 0

    from policy_items import PROVINCE, library

    from onewindow.demo.profiles import profiles

    as_of = dt.date.fromisoformat(args.as_of)
    report: dict = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "loadavg_start": os.getloadavg(),
        "enterprises": args.enterprises,
        "items": args.items,
        "as_of": args.as_of,
        "machine": f"{platform.machine()} nproc={os.cpu_count()} python={platform.python_version()}",
        "code": _code_state(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="policy_bench_"))
    try:
        t = time.perf_counter()
        df = profiles(args.enterprises, seed=args.seed, as_of=as_of, regions=PROVINCE)
        report["generate_s"] = time.perf_counter() - t
        report["frame_bytes"] = df.estimated_size()
        frame = tmp / "profiles.parquet"
        t = time.perf_counter()
        df.write_parquet(frame)
        report["write_parquet_s"] = time.perf_counter() - t
        del df
        lib = library(args.items, seed=args.item_seed)
        report["groups"] = len(lib.groups)
        report["grouped_items"] = sum(len(v) for v in lib.groups.values())
        print(f"{args.enterprises:,} enterprises generated in {report['generate_s']:.1f} s "
              f"({_mb(report['frame_bytes'])} in Polars); {len(lib.awards)} items, {len(lib.groups)} groups; "
              f"as of {args.as_of}; load average {report['loadavg_start'][0]:.2f}; code {report['code']}", flush=True)

        if not args.skip_ours:
            report["ours"] = _run_worker("ours", args, frame, tmp / "ours.parquet")
            report["ours"]["loadavg_after"] = os.getloadavg()[0]
            _print_side("ours", report["ours"])
        if not args.skip_openfisca:
            report["openfisca"] = _run_worker("openfisca", args, frame, tmp / "openfisca.parquet")
            report["openfisca"]["loadavg_after"] = os.getloadavg()[0]
            _print_side("openfisca", report["openfisca"])
        if not args.skip_ours and not args.skip_openfisca and "failed" not in report["ours"] \
                and "failed" not in report["openfisca"]:
            limit = args.openfisca_max if args.openfisca_max and args.openfisca_max < args.enterprises else None
            t = time.perf_counter()
            report["comparison"] = compare(str(tmp / "ours.parquet"), str(tmp / "openfisca.parquet"), limit)
            report["comparison"]["compare_s"] = time.perf_counter() - t
            c = report["comparison"]
            print(f"comparison ({'first ' + format(limit, ',') + ' enterprises' if limit else 'all enterprises'}): "
                  f"{'EQUAL' if c['equal'] else 'DIFFERENT'} — {c['pairs_ours']:,} eligible pairs ours, "
                  f"{c['pairs_openfisca']:,} OpenFisca; {c['awarded_pairs']:,} awarded; "
                  f"only ours {c['only_ours']}, only OpenFisca {c['only_openfisca']}, "
                  f"amount differs {c['amount_differs']}, winner differs {c['winner_differs']}, "
                  f"awarded amount differs {c['awarded_amount_differs']}, "
                  f"per-item summary differs {c.get('summary_differs', 'not checked')}")
            if not c["equal"]:
                print(json.dumps(c.get("examples"), ensure_ascii=False, indent=1, default=str))
            o, f = report["ours"], report["openfisca"]
            if not limit:
                report["ratio"] = f["batch_s"] / o["batch_s"]
                print(f"ratio OpenFisca / ours: batch {f['batch_s'] / o['batch_s']:.1f}× "
                      f"(plan cached: {f['batch_s'] / o['batch_again_s']:.1f}×); with result extraction "
                      f"{(f['batch_s'] + f['harvest_s']) / (o['batch_s'] + o['pairs_s']):.1f}×; "
                      f"memory over input: ours {_mb(o['peak_rss'] - o['input_rss'])}, "
                      f"OpenFisca {_mb(f['peak_rss'] - f['input_rss'])}")
        report["loadavg_end"] = os.getloadavg()
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        ok = report.get("comparison", {}).get("equal", True)
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _code_state() -> str:
    """The commit measured, and any uncommitted change to the engine's package (shared checkout)."""
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=HERE, capture_output=True, text=True, check=False).stdout.rstrip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = git("status", "--porcelain", "--", "../src/onewindow/policies").splitlines()
    return head + (f" + uncommitted: {', '.join(line[3:] for line in dirty)}" if dirty else "")


def _print_side(name: str, s: dict) -> None:
    if "failed" in s:
        print(f"{name}: FAILED ({s['failed']}) after {s['process_s']:.1f} s", flush=True)
        return
    parts = [f"{name:<9} rows {s['rows']:,}; compile {s['compile_s']:.2f} s (not counted)"]
    if "encode_s" in s:
        parts.append(f"encode Polars → NumPy {s['encode_s']:.2f} s (not counted)")
        parts.append(f"BATCH {s['batch_s']:.2f} s = set_input {s['set_input_s']:.2f} s + calculate {s['calculate_s']:.2f} s;"
                     f" harvest {s['harvest_s']:.2f} s (flatnonzero per item); CPU of calculate + harvest "
                     f"{s['run_cpu_s']:.2f} s")
    else:
        parts.append(f"BATCH {s['batch_s']:.2f} s (match, first call: plans the items; CPU {s['batch_cpu_s']:.2f} s);"
                     f" pairs() {s['pairs_s']:.2f} s; match again (plan cached) {s['batch_again_s']:.2f} s"
                     f" (CPU {s['batch_again_cpu_s']:.2f} s)")
    if "rules_only_s" in s:
        parts.append(f"rules alone (no amounts, no groups; fresh simulation): {s['rules_only_s']:.2f} s, "
                     f"{s['rules_only_matches']:,} matches")
    if "match_peak_rss" in s:
        parts.append(f"peak after match {_mb(s['match_peak_rss'])} (input {_mb(s['input_rss'])}, over input "
                     f"{_mb(s['match_peak_rss'] - s['input_rss'])}); after pairs() {_mb(s['peak_rss'])}")
    else:
        parts.append(f"peak {_mb(s['peak_rss'])} (input {_mb(s['input_rss'])}, over input "
                     f"{_mb(s['peak_rss'] - s['input_rss'])})")
    parts.append(f"eligible pairs {s['pairs']:,}")
    if "explain_ms" in s:
        e, r = s["explain_ms"], s["explain_reasons_ms"]
        ec, rc = s["explain_cpu_ms"], s["explain_reasons_cpu_ms"]
        parts.append(f"explain one enterprise × all items: median {e['median']:.2f} ms (p90 {e['p90']:.2f}; CPU median "
                     f"{ec['median']:.2f}); with every reason: median {r['median']:.1f} ms (p90 {r['p90']:.1f}; CPU median "
                     f"{rc['median']:.1f}; {s['explain_reasons_median']:.0f} reasons) n={e['n']}")
    if "one_enterprise_ms" in s:
        parts.append(f"one enterprise × all items (a 1-row simulation): median {s['one_enterprise_ms']['median']:.1f} ms "
                     f"(n={s['one_enterprise_ms']['n']})")
    parts.append(f"load average before the batch {s['loadavg_before']:.2f}, after the process {s['loadavg_after']:.2f}")
    print("\n    ".join(parts), flush=True)


if __name__ == "__main__":
    sys.exit(main())
