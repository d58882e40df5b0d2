"""Generate learners and their funnel events, vectorised with numpy, in fixed-size chunks.

Chunk k draws from its own random stream ``[seed, 2, k]`` so the output is identical whatever
the machine, and memory stays flat for millions of learners.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from data_access import codes
from data_access.seed import business as biz

CHUNK = 200_000
EPOCH = dt.date(1970, 1, 1)
N_STAGES = len(codes.STAGES)
REFUND_IDX = N_STAGES  # index of "refunded" in codes.EVENT_KINDS


@dataclass
class Chunk:
    """One chunk of learners and events as column arrays (dates are days since 1970-01-01)."""

    learner_id: np.ndarray
    city: np.ndarray  # object array of adcodes
    province: np.ndarray
    channel: np.ndarray  # int index into codes.CHANNELS
    programme: np.ndarray  # int index into codes.PROGRAMMES
    partner: np.ndarray  # int partner id, 0 = none
    lead_day: np.ndarray
    ev_learner: np.ndarray
    ev_stage: np.ndarray  # int index into codes.EVENT_KINDS
    ev_day: np.ndarray


class FunnelModel:
    """Everything the per-chunk draw needs, precomputed once from the reference rows."""

    def __init__(self, cities: list[dict], partners: list[dict], *, seed: int, until: dt.date):
        self.seed, self.until = seed, until
        first = biz.FIRST_LEAD_DAY
        days = np.arange((first - EPOCH).days, (until - EPOCH).days + 1)
        dates = days.astype("datetime64[D]")
        years = dates.astype("datetime64[Y]").astype(int) + 1970
        months = dates.astype("datetime64[M]").astype(int) % 12
        w = np.array([biz.YEAR_WEIGHT.get(int(y), 1.3) for y in years]) * np.array(biz.MONTH_WEIGHT)[months]
        self.days, self.day_p = days, w / w.sum()
        self.first_year, self.last_year = first.year, until.year

        by_tier: dict[str, dict[str, list[str]]] = defaultdict(lambda: {t: [] for t in codes.TIERS})
        for c in cities:
            by_tier[c["province_code"]][c["tier"]].append(c["code"])
        self.provinces = sorted(p for p, wt in biz.PROVINCE_WEIGHT.items() if wt > 0 and p in by_tier)
        size = np.array([np.sqrt(1 + len(by_tier[p]["prefecture"]) + 0.3 * len(by_tier[p]["county"])) for p in self.provinces])
        pw = np.array([biz.PROVINCE_WEIGHT[p] for p in self.provinces]) * size
        self.province_p = pw / pw.sum()
        self.places = {p: {t: np.array(sorted(v[t]), dtype=object) for t in codes.TIERS} for p, v in by_tier.items()}

        # Partners that can bring a learner, per province and channel (weights by agreement level).
        rng = np.random.default_rng([seed, 3])
        level_w = {"strategic": 3.0, "core": 2.0, "general": 1.0}
        self.partner_pool: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        city_prov = {c["code"]: c["province_code"] for c in cities}
        pools: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        for p in partners:
            if p["status"] == "ended":
                continue
            end = codes.END_OF_KIND[p["kind"]]
            if end == "S" and rng.random() < biz.DORMANT_SCHOOL_SHARE and p["agreement_level"] == "general":
                continue  # signed, but never sent a learner
            channel = {"S": "campus", "B": "enterprise", "G": "government"}[end]
            pools[(city_prov[p["city_code"]], channel)].append((p["id"], level_w[p["agreement_level"]]))
        national_b = [(p["id"], 2.0) for p in partners if p["kind"] == "enterprise" and p["agreement_level"] == "strategic"]
        for prov in self.provinces:
            for ch in ("campus", "enterprise", "government"):
                pool = pools.get((prov, ch)) or (national_b if ch == "enterprise" else [])
                if pool:
                    ids, ws = zip(*pool)
                    self.partner_pool[(prov, ch)] = (np.array(ids), np.array(ws) / sum(ws))

    def chunks(self, n_learners: int) -> Iterator[Chunk]:
        """Yield the learners 1..n in chunks of CHUNK, deterministically."""
        for k, start in enumerate(range(0, n_learners, CHUNK)):
            yield self._chunk(k, start, min(CHUNK, n_learners - start))

    def _chunk(self, k: int, start: int, n: int) -> Chunk:
        rng = np.random.default_rng([self.seed, 2, k])
        ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
        lead = rng.choice(self.days, size=n, p=self.day_p)
        year = lead.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        t = np.clip((year - self.first_year) / max(self.last_year - self.first_year, 1), 0, 1)

        prov_idx = rng.choice(len(self.provinces), size=n, p=self.province_p)
        prov = np.array(self.provinces, dtype=object)[prov_idx]
        # Channel sinking: the tier mix moves from TIER_SHARE_START to TIER_SHARE_END.
        s0, s1 = np.array(biz.TIER_SHARE_START), np.array(biz.TIER_SHARE_END)
        shares = s0[None, :] * (1 - t[:, None]) + s1[None, :] * t[:, None]
        u = rng.random(n)
        tier = (u[:, None] > np.cumsum(shares, axis=1)).sum(axis=1).clip(0, 2)
        city = np.empty(n, dtype=object)
        tier_names = codes.TIERS
        for pi, p in enumerate(self.provinces):
            sel_p = prov_idx == pi
            if not sel_p.any():
                continue
            for ti, tname in enumerate(tier_names):
                sel = sel_p & (tier == ti)
                if not sel.any():
                    continue
                options = self.places[p][tname]
                fallback = ti
                while len(options) == 0:  # e.g. municipalities have no counties
                    fallback -= 1
                    options = self.places[p][tier_names[fallback]]
                tier[sel] = fallback
                city[sel] = options[rng.integers(0, len(options), size=int(sel.sum()))]

        # Channel per tier, campus growing over the years.
        channel = np.empty(n, dtype=np.int64)
        u = rng.random(n)
        for ti, tname in enumerate(tier_names):
            sel = tier == ti
            mix = np.array(biz.CHANNEL_MIX[tname])[None, :].repeat(int(sel.sum()), axis=0)
            mix[:, 0] += biz.CAMPUS_GROWTH * t[sel]
            mix /= mix.sum(axis=1, keepdims=True)
            channel[sel] = (u[sel][:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 4)

        partner = np.zeros(n, dtype=np.int64)
        for pi, p in enumerate(self.provinces):
            sel_p = prov_idx == pi
            for ci, ch in ((0, "campus"), (1, "enterprise"), (2, "government")):
                sel = sel_p & (channel == ci)
                if not sel.any():
                    continue
                pool = self.partner_pool.get((p, ch))
                if pool is None:
                    channel[sel] = 3  # no partner of that end here: the lead came online
                    continue
                partner[sel] = rng.choice(pool[0], size=int(sel.sum()), p=pool[1])

        programme = np.empty(n, dtype=np.int64)
        u = rng.random(n)
        for ci, ch in enumerate(codes.CHANNELS):
            sel = channel == ci
            programme[sel] = (u[sel][:, None] > np.cumsum(biz.PROGRAMME_MIX[ch])[None, :]).sum(axis=1).clip(0, 4)

        # Progress through the stages; events after `until` have not happened yet.
        conv = np.array([biz.CONVERSION[ch] for ch in codes.CHANNELS])[channel]
        conv = np.where((tier == 2)[:, None], conv * np.array(biz.COUNTY_FACTOR)[None, :], conv)
        until_day = (self.until - EPOCH).days
        day = lead.copy()
        reached = np.ones(n, dtype=bool)
        ev_l, ev_s, ev_d = [ids], [np.zeros(n, dtype=np.int64)], [lead]
        completed_day = np.full(n, -1)
        certified = np.zeros(n, dtype=bool)
        for s in range(1, N_STAGES):
            lo, hi = biz.STAGE_LAG_DAYS[s - 1]
            day = day + rng.integers(lo, hi + 1, size=n)
            reached = reached & (rng.random(n) < conv[:, s - 1]) & (day <= until_day)
            ev_l.append(ids[reached])
            ev_s.append(np.full(int(reached.sum()), s))
            ev_d.append(day[reached])
            if codes.STAGES[s] == "completed":
                completed_day = np.where(reached, day, -1)
            if codes.STAGES[s] == "certified":
                certified = reached
        # Agreement classes are refunded when the learner completes but does not pass.
        refund_prog = np.isin(programme, [codes.PROGRAMMES.index(p) for p in biz.REFUND_PROGRAMMES])
        refund_day = completed_day + rng.integers(30, 91, size=n)
        refunded = refund_prog & (completed_day >= 0) & ~certified & (rng.random(n) < biz.REFUND_RATE_IF_FAILED) & (refund_day <= until_day)
        ev_l.append(ids[refunded])
        ev_s.append(np.full(int(refunded.sum()), REFUND_IDX))
        ev_d.append(refund_day[refunded])

        ev_learner, ev_stage, ev_day = (np.concatenate(a) for a in (ev_l, ev_s, ev_d))
        order = np.lexsort((ev_stage, ev_learner))
        return Chunk(ids, city, prov, channel, programme, partner, lead, ev_learner[order], ev_stage[order], ev_day[order])
