"""The verifiable 双随机 draw (一公开). Everything it reads is in the published pool document; everything
random comes from SHA-256 of the published seed, so anyone can reproduce the draw with
`scripts/verify_draw.py` (standard library only), an independent implementation of the same steps.

The published pool (JSON, canonical: keys sorted, UTF-8, no spaces) holds the plan (id, department,
matters, period), `ratios_ppm` (the share drawn per credit grade, in parts per million), `team_size`,
`visit_days` (the period's working days outside the quiet days), `entities` ([USCC, grade], sorted by
USCC; enterprises already inspected in the period are left out and listed in `excluded`),
`inspectors` ([badge, [USCCs they are tied to]], qualified for every matter) and `previous_pairs`
([badge, USCC] of the department's previous draw: nobody inspects the same enterprise twice in a row).

    pool_hash = SHA-256(pool JSON bytes), hex
    seed      = SHA-256("<public value>|<pool_hash>"), hex — announced with the pool, before the draw
    u(tag, …) = the first 8 bytes of SHA-256("<seed>|<tag>|<…>") as a big-endian integer

1. An entity (uscc, grade) is drawn when u("E", uscc) < ratios_ppm[grade] × 2⁶⁴ ÷ 10⁶ (integer
   division): each enterprise independently, so the share drawn per grade follows the binomial law.
2. The drawn are ranked by u("E", uscc) ascending (ties: by USCC).
3. For each drawn enterprise, its team is the `team_size` inspectors with the smallest u("I", uscc, badge)
   among those not tied to it and not paired with it in `previous_pairs` (fewer when not enough remain).
4. Its visit day is visit_days[u("D", uscc) mod len(visit_days)].

Step 1 is one hash per enterprise and a comparison, so it vectorises: `draw_entities` does the hashing
in a tight loop over pre-copied hash states; the benchmark compares it with a NumPy/pandas peer.
"""

from __future__ import annotations

import hashlib
import json

SCALE = 1 << 64
PPM = 1_000_000


def canonical(pool: dict) -> str:
    return json.dumps(pool, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def pool_hash(pool_json: str) -> str:
    return hashlib.sha256(pool_json.encode("utf-8")).hexdigest()


def seed_of(public_value: str, pool_digest: str) -> str:
    return hashlib.sha256(f"{public_value}|{pool_digest}".encode()).hexdigest()


def u(seed: str, tag: str, *parts: str) -> int:
    text = "|".join((seed, tag, *parts))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def thresholds(ratios_ppm: dict) -> dict[str, int]:
    return {g: int(p) * SCALE // PPM for g, p in ratios_ppm.items()}


def draw_entities(seed: str, entities, ratios_ppm: dict) -> list[tuple[int, str, str]]:
    """(u, uscc, grade) of the drawn entities, ranked."""
    limit = thresholds(ratios_ppm)
    base = hashlib.sha256(f"{seed}|E|".encode())
    frombytes = int.from_bytes
    out = []
    for uscc, grade in entities:
        h = base.copy()
        h.update(uscc.encode())
        x = frombytes(h.digest()[:8], "big")
        if x < limit.get(grade, 0):
            out.append((x, uscc, grade))
    out.sort()
    return out


def draw(pool: dict, seed: str) -> list[dict]:
    """The whole draw: [{rank, uscc, grade, inspectors, visit_on}] in rank order."""
    team_size = int(pool["team_size"])
    previous = {(b, e) for b, e in pool.get("previous_pairs", [])}
    inspectors = [(badge, set(tied)) for badge, tied in pool["inspectors"]]
    days = pool.get("visit_days", [])
    result = []
    for rank, (_x, uscc, grade) in enumerate(draw_entities(seed, pool["entities"], pool["ratios_ppm"]), start=1):
        free = [badge for badge, tied in inspectors if uscc not in tied and (badge, uscc) not in previous]
        team = sorted(free, key=lambda b: (u(seed, "I", uscc, b), b))[:team_size]
        visit = days[u(seed, "D", uscc) % len(days)] if days else None
        result.append({"rank": rank, "uscc": uscc, "grade": grade, "inspectors": team, "visit_on": visit})
    return result
