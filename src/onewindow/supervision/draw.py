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
    stream(tag, …) = the SHAKE-256 output of "<seed>|<tag>|<…>" (UTF-8), read as big-endian 8-byte words
                     w[0], w[1], … (an extendable-output hash: asking for more bytes never changes the first)

1. Entity number i of `entities` (in the published order) gets u_i = w[i] of stream("E"); it is drawn
   when u_i < ratios_ppm[grade] × 2⁶⁴ ÷ 10⁶ (integer division): each enterprise independently, so the
   share drawn per grade follows the binomial law. One hash call for the whole pool, not one per
   enterprise: that is what makes a province's 2,000,000 enterprises a one-second draw.
2. The drawn are ranked by u ascending (ties: by USCC).
3. For each drawn enterprise, its team comes from a Fisher–Yates shuffle of the inspector list (published
   order) driven by stream("T", uscc): at step j (0, 1, …) position j is swapped with position
   j + w[j] mod (n − j); the inspector landing at position j joins the team unless tied to the
   enterprise or paired with it in `previous_pairs`; it stops when `team_size` have joined or the list
   is exhausted (fewer then). The 64-bit words make the modulo bias below 2⁻⁵⁰ for any real list.
4. Its visit day is visit_days[u("D", uscc) mod len(visit_days)], u being the first 8 bytes of
   SHA-256("<seed>|D|<uscc>") as a big-endian integer.

Step 1 is one XOF call and a comparison per enterprise; the benchmark compares it with a NumPy peer.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array

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


def words(seed: str, tag: str, *parts: str, count: int) -> array:
    """The first `count` 64-bit words of stream(tag, …), as unsigned integers."""
    text = "|".join((seed, tag, *parts))
    out = array("Q", hashlib.shake_256(text.encode("utf-8")).digest(8 * count))
    if sys.byteorder == "little":
        out.byteswap()  # the words are big-endian on every machine, so the script reproduces them anywhere
    return out


def draw_entities(seed: str, entities, ratios_ppm: dict) -> list[tuple[int, str, str]]:
    """(u, uscc, grade) of the drawn entities, ranked."""
    limit = thresholds(ratios_ppm)
    get = limit.get
    out = [(x, e[0], e[1]) for x, e in zip(words(seed, "E", count=len(entities)), entities, strict=True)
           if x < get(e[1], 0)]
    out.sort()
    return out


def team(seed: str, uscc: str, inspectors: list[tuple[str, set]], previous: set, size: int) -> list[str]:
    """Step 3: the first `size` unconflicted inspectors of this enterprise's own shuffle of the list."""
    n = len(inspectors)
    order = list(range(n))
    w = words(seed, "T", uscc, count=min(n, size + 8))  # usually enough; the stream extends when conflicts eat it
    chosen: list[str] = []
    for j in range(n):
        if j == len(w):
            w = words(seed, "T", uscc, count=n)
        k = j + w[j] % (n - j)
        order[j], order[k] = order[k], order[j]
        badge, tied = inspectors[order[j]]
        if uscc not in tied and (badge, uscc) not in previous:
            chosen.append(badge)
            if len(chosen) == size:
                break
    return chosen


def draw(pool: dict, seed: str) -> list[dict]:
    """The whole draw: [{rank, uscc, grade, inspectors, visit_on}] in rank order."""
    team_size = int(pool["team_size"])
    previous = {(b, e) for b, e in pool.get("previous_pairs", [])}
    inspectors = [(badge, set(tied)) for badge, tied in pool["inspectors"]]
    days = pool.get("visit_days", [])
    result = []
    for rank, (_x, uscc, grade) in enumerate(draw_entities(seed, pool["entities"], pool["ratios_ppm"]), start=1):
        visit = days[u(seed, "D", uscc) % len(days)] if days else None
        result.append({"rank": rank, "uscc": uscc, "grade": grade,
                       "inspectors": team(seed, uscc, inspectors, previous, team_size), "visit_on": visit})
    return result
