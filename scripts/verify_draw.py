#!/usr/bin/env python3
"""Reproduce a published 双随机 draw (一公开) from its pool document and public value — standard library only.

    python3 scripts/verify_draw.py pool.json --public-value "2026-12-18 上证指数收盘 3401.27" [--result result.json]

It recomputes the pool hash and the seed (SHA-256("<public value>|<pool hash>")), redraws, and prints
the draw as JSON; given the published result, it compares and exits 1 on any difference. The algorithm
(documented in onewindow/supervision/draw.py) is written out again here on
purpose, so the check does not depend on the platform's code.
"""

import argparse
import hashlib
import json
import sys


def _u(seed, tag, *parts):
    return int.from_bytes(hashlib.sha256("|".join((seed, tag) + parts).encode("utf-8")).digest()[:8], "big")


def _words(seed, tag, *parts, count):
    raw = hashlib.shake_256("|".join((seed, tag) + parts).encode("utf-8")).digest(8 * count)
    return [int.from_bytes(raw[i:i + 8], "big") for i in range(0, len(raw), 8)]


def redraw(pool, seed):
    limits = {g: int(p) * (1 << 64) // 1_000_000 for g, p in pool["ratios_ppm"].items()}
    entities = pool["entities"]
    stream = _words(seed, "E", count=len(entities))
    drawn = sorted((x, uscc, grade) for x, (uscc, grade) in zip(stream, entities, strict=True) if x < limits.get(grade, 0))
    previous = {(b, e) for b, e in pool.get("previous_pairs", [])}
    inspectors = pool["inspectors"]
    n, size = len(inspectors), int(pool["team_size"])
    days = pool.get("visit_days", [])
    out = []
    for rank, (_x, uscc, grade) in enumerate(drawn, start=1):
        w = _words(seed, "T", uscc, count=n)  # the whole stream: the platform asks for a prefix first
        order, team = list(range(n)), []
        for j in range(n):
            k = j + w[j] % (n - j)
            order[j], order[k] = order[k], order[j]
            badge, tied = inspectors[order[j]]
            if uscc not in tied and (badge, uscc) not in previous:
                team.append(badge)
                if len(team) == size:
                    break
        out.append({"rank": rank, "uscc": uscc, "grade": grade, "inspectors": team,
                    "visit_on": days[_u(seed, "D", uscc) % len(days)] if days else None})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="复核双随机抽取结果")
    ap.add_argument("pool", help="公示的抽取名录 JSON 文件（原样下载）")
    ap.add_argument("--public-value", required=True, help="公告的公开随机值")
    ap.add_argument("--seed", help="公示的随机种子（给出则一并核对）")
    ap.add_argument("--result", help="公示的抽取结果 JSON（给出则逐条核对）")
    args = ap.parse_args(argv)
    with open(args.pool, "rb") as fh:
        raw = fh.read().decode("utf-8")
    pool = json.loads(raw)
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    seed = hashlib.sha256(f"{args.public_value}|{digest}".encode()).hexdigest()
    if args.seed and args.seed != seed:
        print(f"随机种子不一致：公示 {args.seed}，复算 {seed}", file=sys.stderr)
        return 1
    result = redraw(pool, seed)
    if args.result:
        with open(args.result, encoding="utf-8") as fh:
            published = json.load(fh)
        published = published.get("picks", published) if isinstance(published, dict) else published
        if published != result:
            print("抽取结果与复算不一致", file=sys.stderr)
            return 1
        print(f"核对一致：名录哈希 {digest}，种子 {seed}，抽中 {len(result)} 户", file=sys.stderr)
    json.dump({"pool_hash": digest, "seed": seed, "picks": result}, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
