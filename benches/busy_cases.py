#!/usr/bin/env python3
"""Cases written by a script that is not our generator, into a dump that is.

`generate` injects each case into fresh accounts. Launderers, and the public
simulators, use accounts that already live a life: mules are existing customers with
salaries and shops, and the amounts they move look like everybody else's. This script
takes a dump (a randomised world of `generate`, say), picks the central accounts of
each case among its busy existing persons of its largest country, draws every amount
from that dump's own person-to-person wire amounts (so a case never stands out by size
alone, at any scale), and writes the dump back with the cases added and with a truth of
only those cases. Fifteen patterns, shaped from typologies.md and not from
src/generate: fan_in, fan_out, UB1, UB4, cycle, scatter_gather, gather_scatter,
bipartite, stack; OS1, OS2, OS4 through new offshore shells; UB3 mirrors between a
collector at home and its relative's account abroad (an entity link), at the day's
rates; UB6 through a company account that a payer tries with 1 and 5 units before
funding it; and UB2 (cash just under the law's line, 50,000 CNY or 10,000 USD: not
drawn from the dump) where the dump's home currency has a line here.

    busy_cases.py inject DUMP OUT [--seed S] [--per N] [--bare] [--fresh]
    busy_cases.py score LEADS OUT [LEADS OUT ...]   (LEADS: `analyze --out` on OUT)

`score` prints, per pattern, over all the pairs given: cases, cases with at least half their accounts in some
lead, the mean share of a case's accounts in leads, accounts in no lead, and accounts
in a lead that holds a hit of the case's own pattern. Standard library only.
"""
import argparse
import bisect
import collections
import csv
import os
import random
import shutil
from datetime import datetime, timezone

DAY = 86400
HOUR = 3600
HAVENS = ["VG", "KY", "SC", "PA", "BZ", "BS"]


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write(path, rows, fields):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def seconds(stamp):
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def stamp(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Injector:
    """The dump read once, and the cases written into it."""

    def __init__(self, dump, seed, fresh=False):
        self.rng = random.Random(seed)
        self.fresh = fresh
        self.accounts = read(os.path.join(dump, "accounts.csv"))
        self.entities = read(os.path.join(dump, "entities.csv"))
        self.transfers = read(os.path.join(dump, "transfers.csv"))
        kind = {e["entity_id"]: e["kind"] for e in self.entities}
        country = {a["account_id"]: a["country"] for a in self.accounts}
        self.home = collections.Counter(country.values()).most_common(1)[0][0]
        home_currencies = collections.Counter(
            t["currency"] for t in self.transfers if country.get(t["src_account"]) == self.home
        )
        self.currency = home_currencies.most_common(1)[0][0]
        persons = {a["account_id"] for a in self.accounts if kind.get(a["holder_id"]) == "person" and a["country"] == self.home}
        degree = collections.Counter()
        for t in self.transfers:
            degree[t["src_account"]] += 1
            degree[t["dst_account"]] += 1
        # Busy but ordinary: at least four transfers, at most two hundred.
        self.busy = sorted(a for a in persons if 4 <= degree[a] <= 200)
        self.rng.shuffle(self.busy)
        # Busy persons abroad (the other side of a mirror), by country, and the dump's
        # operating companies (payers of a settlement shell).
        self.abroad = collections.defaultdict(list)
        for a in self.accounts:
            if kind.get(a["holder_id"]) == "person" and a["country"] != self.home and 4 <= degree[a["account_id"]] <= 200:
                self.abroad[a["country"]].append(a["account_id"])
        for accounts in self.abroad.values():
            accounts.sort()
            self.rng.shuffle(accounts)
        self.companies = sorted(a["account_id"] for a in self.accounts if kind.get(a["holder_id"]) == "company" and a["country"] == self.home and degree[a["account_id"]] >= 4)
        self.holder = {a["account_id"]: a["holder_id"] for a in self.accounts}
        self.links = read(os.path.join(dump, "entity_links.csv")) if os.path.exists(os.path.join(dump, "entity_links.csv")) else []
        self.new_links = []
        currency_of = collections.defaultdict(collections.Counter)
        for t in self.transfers:
            currency_of[country.get(t["src_account"])][t["currency"]] += 1
        self.currency_of = {c: n.most_common(1)[0][0] for c, n in currency_of.items() if c}
        self.p2p = sorted(
            float(t["amount"])
            for t in self.transfers
            if t["currency"] == self.currency
            and t.get("channel") == "wire"
            and t["src_account"] in persons
            and t["dst_account"] in persons
            and t["src_account"] != t["dst_account"]
        )
        if len(self.busy) < 400 or len(self.p2p) < 100:
            raise SystemExit(f"{dump}: too few busy persons ({len(self.busy)}) or wires ({len(self.p2p)}) to hide cases in")
        fx = collections.defaultdict(list)
        self.daily = {}
        for r in read(os.path.join(dump, "fx_rates.csv")):
            fx[r["currency"]].append(float(r["rate_to_base"]))
            self.daily[(r["date"], r["currency"])] = float(r["rate_to_base"])
        # Mean rates to the base (US dollars): shells bank in dollars, at about the
        # period's rate; a mirror's two sides are worth the same at the day's rate.
        self.rate = {c: sum(v) / len(v) for c, v in fx.items()}
        self.rate["USD"] = 1.0
        self.to_usd = self.rate.get(self.currency, 1.0)
        times = [seconds(t["timestamp"]) for t in self.transfers]
        self.first, self.last = min(times), max(times)
        self.added, self.truth, self.truth_accounts = [], [], []
        self.new_accounts, self.new_entities = [], []

    def onward(self, carried, fresh_lo, fresh_hi):
        """What an account passes on: `carried` (most of what it got), or with `--fresh`
        an amount drawn afresh, as AMLSim sizes every leg."""
        return self.amount(fresh_lo, fresh_hi) if self.fresh else carried

    def amount(self, lo, hi):
        """An amount at a random quantile in [lo, hi] of the dump's person-to-person wires."""
        q = self.rng.uniform(lo, hi)
        return self.p2p[min(int(q * len(self.p2p)), len(self.p2p) - 1)]

    def take(self, n):
        if len(self.busy) < n:
            raise SystemExit("ran out of busy persons: ask for fewer cases (--per)")
        return [self.busy.pop() for _ in range(n)]

    def start(self, span_days):
        return self.rng.uniform(self.first + DAY, self.last - (span_days + 3) * DAY)

    def shell(self, haven, age_days, at):
        k = len(self.new_entities)
        entity, account = f"XE{k:05d}", f"XA{k:05d}"
        incorporated = stamp(at - age_days * DAY)[:10]
        self.new_entities.append(
            dict(entity_id=entity, kind="company", name=f"Harbour Holdings {k} Ltd", jurisdiction=haven,
                 incorporated_on=incorporated, registered_address=f"{self.rng.randint(1, 99)} Harbour Road", licence="")
        )
        self.new_accounts.append(
            dict(account_id=account, holder_id=entity, bank_id=f"B-{haven}-1", country=haven, opened_on=incorporated)
        )
        return account

    def tx(self, case, src, dst, at, amount, currency=None, channel="wire"):
        tid = f"X{len(self.added) + 1:08d}"
        self.added.append(
            dict(transfer_id=tid, timestamp=stamp(at), src_account=src, dst_account=dst,
                 amount=f"{amount:.2f}", currency=currency or self.currency, channel=channel, memo="")
        )
        self.truth.append(dict(transfer_id=tid, case_id=case, pattern=case.rsplit("-", 1)[0]))

    def role(self, case, account, role):
        self.truth_accounts.append(dict(account_id=account, case_id=case, pattern=case.rsplit("-", 1)[0], role=role))

    def fan(self, case, inward):
        u = self.rng.uniform
        (hub,) = self.take(1)
        span = u(1, 10)
        t0 = self.start(span)
        self.role(case, hub, "hub")
        for x in self.take(self.rng.randint(6, 15)):
            self.role(case, x, "sender" if inward else "payee")
            src, dst = (x, hub) if inward else (hub, x)
            self.tx(case, src, dst, t0 + u(0, span) * DAY, self.amount(0.5, 0.95))

    def collector(self, case):
        u = self.rng.uniform
        (hub,) = self.take(1)
        payouts = self.take(self.rng.randint(1, 3))
        span = u(3, 20)
        t0 = self.start(span)
        self.role(case, hub, "collector")
        paid = set()
        for x in self.take(self.rng.randint(10, 30)):
            self.role(case, x, "depositor")
            at, amount = t0 + u(0, span) * DAY, self.amount(0.6, 0.97)
            to = self.rng.choice(payouts)
            paid.add(to)
            self.tx(case, x, hub, at, amount)
            self.tx(case, hub, to, at + u(0.5, 12) * HOUR, self.onward(amount * u(0.9, 1), 0.5, 0.95))
        # Only the payouts the collector paid are of the case.
        for p in sorted(paid):
            self.role(case, p, "payout")

    def rapid_in_out(self, case):
        u = self.rng.uniform
        (hub,) = self.take(1)
        span = u(5, 25)
        t0 = self.start(span)
        self.role(case, hub, "pass_through")
        payers, payees = self.take(self.rng.randint(8, 16)), self.take(self.rng.randint(4, 10))
        paid = set()
        for x in payers:
            self.role(case, x, "payer")
            at, amount = t0 + u(0, span) * DAY, self.amount(0.8, 0.99) * u(2, 6)
            to = self.rng.choice(payees)
            paid.add(to)
            self.tx(case, x, hub, at, amount)
            self.tx(case, hub, to, at + u(0.2, 8) * HOUR, self.onward(amount * u(0.93, 1), 0.8, 0.99))
        for y in sorted(paid):
            self.role(case, y, "payee")

    def cycle(self, case):
        u = self.rng.uniform
        ring = self.take(self.rng.randint(3, 7))
        at, amount = self.start(40), self.amount(0.7, 0.97)
        for k, x in enumerate(ring):
            self.role(case, x, "member")
            self.tx(case, x, ring[(k + 1) % len(ring)], at, amount)
            at += u(0.2, 6) * DAY
            amount = self.onward(amount * u(0.9, 0.99), 0.7, 0.97)

    def scatter_gather(self, case):
        u = self.rng.uniform
        s, d = self.take(2)
        mids = self.take(self.rng.randint(3, 7))
        t0, total = self.start(20), self.amount(0.8, 0.99) * len(mids)
        self.role(case, s, "source")
        self.role(case, d, "sink")
        for w in mids:
            self.role(case, w, "intermediary")
            at, part = t0 + u(0, 5) * DAY, total / len(mids) * u(0.8, 1.2)
            self.tx(case, s, w, at, part)
            self.tx(case, w, d, at + u(0.5, 10) * DAY, self.onward(part * u(0.9, 0.99), 0.8, 0.99))

    def gather_scatter(self, case):
        u = self.rng.uniform
        (hub,) = self.take(1)
        t0, total = self.start(20), 0.0
        self.role(case, hub, "hub")
        for x in self.take(self.rng.randint(4, 9)):
            self.role(case, x, "sender")
            amount = self.amount(0.6, 0.97)
            total += amount
            self.tx(case, x, hub, t0 + u(0, 5) * DAY, amount)
        payees = self.take(self.rng.randint(4, 9))
        for y in payees:
            self.role(case, y, "payee")
            self.tx(case, hub, y, t0 + u(6, 12) * DAY, self.onward(total * 0.95 / len(payees), 0.6, 0.97))

    def bipartite(self, case):
        u = self.rng.uniform
        left, right = self.take(self.rng.randint(3, 5)), self.take(self.rng.randint(3, 5))
        t0 = self.start(20)
        for x in left:
            self.role(case, x, "source")
            for y in right:
                self.tx(case, x, y, t0 + u(0, 14) * DAY, self.amount(0.5, 0.95))
        for y in right:
            self.role(case, y, "sink")

    def stack(self, case):
        u = self.rng.uniform
        layers = [self.take(self.rng.randint(2, 4)) for _ in range(3)]
        t0 = self.start(25)
        for name, layer in zip(["first", "middle", "last"], layers):
            for x in layer:
                self.role(case, x, name)
        for (a, b), (lo, hi) in zip([(layers[0], layers[1]), (layers[1], layers[2])], [(0, 7), (8, 15)]):
            for x in a:
                for y in b:
                    self.tx(case, x, y, t0 + u(lo, hi) * DAY, self.amount(0.5, 0.95))

    def chain(self, case, src, hops, dst, at, amount, fee):
        """Money from `src` through `hops` to `dst`: the first hop in the home currency,
        the others in dollars, each a fee smaller, days apart."""
        path = [src] + hops + [dst]
        for x, y in zip(path, path[1:]):
            home = x == src
            self.tx(case, x, y, at, amount if home else amount * self.to_usd, None if home else "USD")
            at += self.rng.uniform(*fee[1]) * DAY
            amount *= self.rng.uniform(*fee[0])

    def round_trip(self, case):
        (p,) = self.take(1)
        at, amount = self.start(60), self.amount(0.97, 0.999) * self.rng.uniform(5, 30)
        hops = [self.shell(self.rng.choice(HAVENS), self.rng.randint(30, 300), at) for _ in range(self.rng.randint(1, 3))]
        self.role(case, p, "origin")
        for h in hops:
            self.role(case, h, "offshore")
        self.chain(case, p, hops, p, at, amount, ((0.93, 0.995), (1, 15)))

    def layering(self, case):
        s, d = self.take(2)
        at, amount = self.start(30), self.amount(0.97, 0.999) * self.rng.uniform(5, 30)
        shells = [self.shell(h, self.rng.randint(20, 300), at) for h in self.rng.sample(HAVENS, self.rng.randint(3, 4))]
        self.role(case, s, "origin")
        self.role(case, d, "destination")
        for h in shells:
            self.role(case, h, "shell")
        self.chain(case, s, shells, d, at, amount, ((0.85, 0.99), (0.5, 6)))

    def offshore_scatter(self, case):
        u = self.rng.uniform
        s, d = self.take(2)
        t0, amount = self.start(25), self.amount(0.97, 0.999) * u(5, 30)
        shells = [self.shell(self.rng.choice(HAVENS), self.rng.randint(20, 300), t0) for _ in range(self.rng.randint(3, 5))]
        self.role(case, s, "source")
        self.role(case, d, "destination")
        for w in shells:
            self.role(case, w, "offshore")
            at, part = t0 + u(0, 4) * DAY, amount / len(shells)
            self.tx(case, s, w, at, part)
            self.tx(case, w, d, at + u(1, 12) * DAY, part * self.to_usd * u(0.9, 0.99), "USD")

    # The law's cash reporting lines (typologies.md UB2), per customer per day.
    CASH_LINE = {"CNY": 50_000.0, "USD": 10_000.0}

    def structuring(self, case):
        """Persons paying cash just under the reporting line into one account over a few
        days, which then wires most of it on."""
        u = self.rng.uniform
        line = self.CASH_LINE[self.currency]
        target, payout = self.take(2)
        t0, total = self.start(8), 0.0
        self.role(case, target, "target")
        for x in self.take(self.rng.randint(5, 12)):
            self.role(case, x, "smurf")
            for day in self.rng.sample(range(6), self.rng.randint(1, 3)):
                amount = round(line * u(0.91, 0.998))
                total += amount
                self.tx(case, x, target, t0 + (day + u(0, 0.9)) * DAY, amount, channel="cash_deposit")
        self.role(case, payout, "payout")
        self.tx(case, target, payout, t0 + 7 * DAY, total * u(0.9, 0.98))

    def mirror(self, case):
        """A customer pays a collector at home; within hours a partner abroad, the
        collector's relative, pays the customer's beneficiary there the same value."""
        u = self.rng.uniform
        country = self.rng.choice(sorted(c for c, a in self.abroad.items() if len(a) >= 12 and c in self.currency_of and self.currency_of[c] in self.rate))
        currency = self.currency_of[country]
        (collector,) = self.take(1)
        partner = self.abroad[country].pop()
        self.new_links.append(dict(entity_a=self.holder[collector], entity_b=self.holder[partner], relation="family"))
        self.role(case, collector, "collector")
        self.role(case, partner, "payout")
        t0 = self.start(40)
        for x in self.take(self.rng.randint(3, 8)):
            beneficiary = self.abroad[country].pop()
            self.role(case, x, "customer")
            self.role(case, beneficiary, "beneficiary")
            at, amount = t0 + u(0, 38) * DAY, self.amount(0.8, 0.99)
            self.tx(case, x, collector, at, amount)
            paid = at + u(1, 60) * HOUR
            day = stamp(at)[:10]
            home, there = self.daily.get((day, self.currency), self.to_usd), self.daily.get((day, currency), self.rate[currency])
            value = amount * home / there * u(0.98, 1.02)
            self.tx(case, partner, beneficiary, paid, value, currency)

    def settlement_shell(self, case):
        """A company account untouched for years gets two test transfers, then company
        money, and pays it out to a dozen persons within days."""
        u = self.rng.uniform
        k = len(self.new_entities)
        entity, shell = f"XE{k:05d}", f"XA{k:05d}"
        opened = stamp(self.first - 3 * 365 * DAY)[:10]
        self.new_entities.append(dict(entity_id=entity, kind="company", name=f"Eastern Trading {k} Co", jurisdiction=self.home,
                                      incorporated_on=opened, registered_address=f"{k} Market Street", licence=""))
        self.new_accounts.append(dict(account_id=shell, holder_id=entity, bank_id=f"B-{self.home}-1", country=self.home, opened_on=opened))
        payers = self.rng.sample(self.companies, 3)
        t0 = self.start(12)
        self.role(case, shell, "shell")
        self.tx(case, payers[0], shell, t0, 1.0)
        self.tx(case, payers[0], shell, t0 + u(2, 6) * HOUR, 5.0)
        total = 0.0
        for p in payers:
            self.role(case, p, "payer")
            amount = self.amount(0.95, 0.999) * u(3, 8)
            total += amount
            self.tx(case, p, shell, t0 + u(1, 2) * DAY, amount)
        payees = self.take(self.rng.randint(10, 16))
        for y in payees:
            self.role(case, y, "payee")
            self.tx(case, shell, y, t0 + u(2, 7) * DAY, total * 0.97 / len(payees))

    def inject(self, per):
        patterns = [
            ("fan_in", lambda c: self.fan(c, True)),
            ("fan_out", lambda c: self.fan(c, False)),
            ("UB1", self.collector),
            ("UB4", self.rapid_in_out),
            ("cycle", self.cycle),
            ("scatter_gather", self.scatter_gather),
            ("gather_scatter", self.gather_scatter),
            ("bipartite", self.bipartite),
            ("stack", self.stack),
            ("OS1", self.round_trip),
            ("OS2", self.layering),
            ("OS4", self.offshore_scatter),
            ("UB3", self.mirror),
            ("UB6", self.settlement_shell),
        ]
        if self.currency in self.CASH_LINE:
            patterns.append(("UB2", self.structuring))
        for k in range(per):
            for name, make in patterns:
                make(f"{name}-{k}")

    def write(self, dump, out, bare=False):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(dump, out)
        if bare:
            # A bare transfer list, as many exports are: no holders, kinds, countries,
            # banks or links.
            for table in ["accounts.csv", "entities.csv", "entity_links.csv"]:
                path = os.path.join(out, table)
                if os.path.exists(path):
                    os.remove(path)
        transfers = self.transfers + self.added
        transfers.sort(key=lambda t: t["timestamp"])
        write(os.path.join(out, "transfers.csv"), transfers, list(self.transfers[0].keys()))
        if not bare:
            write(os.path.join(out, "accounts.csv"), self.accounts + self.new_accounts, list(self.accounts[0].keys()))
            write(os.path.join(out, "entities.csv"), self.entities + self.new_entities, list(self.entities[0].keys()))
            write(os.path.join(out, "entity_links.csv"), self.links + self.new_links, ["entity_a", "entity_b", "relation"])
        write(os.path.join(out, "truth.csv"), self.truth, ["transfer_id", "case_id", "pattern"])
        write(os.path.join(out, "truth_accounts.csv"), self.truth_accounts, ["account_id", "case_id", "pattern", "role"])
        # The dump's own trace seeds name its own cases, which this truth leaves out.
        seeds = os.path.join(out, "seeds.csv")
        if os.path.exists(seeds):
            os.remove(seeds)


def score(pairs):
    rows = collections.defaultdict(lambda: [0, 0, 0.0, 0, 0, 0])
    for leads, dump in pairs:
        in_leads = collections.defaultdict(set)
        for r in read(os.path.join(leads, "lead_accounts.csv")):
            in_leads[r["account_id"]].add(r["lead_id"])
        lead_patterns = collections.defaultdict(set)
        for r in read(os.path.join(leads, "lead_hits.csv")):
            lead_patterns[r["lead_id"]].add(r["pattern"])
        cases = collections.defaultdict(list)
        for r in read(os.path.join(dump, "truth_accounts.csv")):
            cases[(r["pattern"], r["case_id"])].append(r["account_id"])
        for (pattern, _), accounts in sorted(cases.items()):
            row = rows[pattern]
            found = [a for a in accounts if in_leads[a]]
            share = len(found) / len(accounts)
            row[0] += 1
            row[1] += share >= 0.5
            row[2] += share
            row[3] += len(accounts) - len(found)
            row[4] += sum(1 for a in accounts if any(pattern in lead_patterns[lead] for lead in in_leads[a]))
            row[5] += len(accounts)
    print(f"{'pattern':16} {'cases':>5} {'found':>5} {'share':>6} {'accounts':>8} {'in no lead':>10} {'by pattern':>10}")
    for pattern, (n, found, share, missed, by_pattern, accounts) in sorted(rows.items()):
        print(f"{pattern:16} {n:5} {found:5} {share / n:6.3f} {accounts:8} {missed:10} {by_pattern:10}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    inject = sub.add_parser("inject")
    inject.add_argument("dump")
    inject.add_argument("out")
    inject.add_argument("--seed", type=int, default=1)
    inject.add_argument("--per", type=int, default=4, help="cases per pattern")
    inject.add_argument("--bare", action="store_true", help="write the transfers alone (and fx rates)")
    inject.add_argument("--fresh", action="store_true",
                        help="size every onward leg of UB1, UB4, cycle, scatter_gather and gather_scatter afresh")
    scored = sub.add_parser("score")
    scored.add_argument("pairs", nargs="+", metavar="LEADS DUMP")
    args = parser.parse_args()
    if args.command == "inject":
        injector = Injector(args.dump, args.seed, args.fresh)
        injector.inject(args.per)
        injector.write(args.dump, args.out, args.bare)
        print(f"{args.out}: {len(injector.added)} transfers of {len(set(t['case_id'] for t in injector.truth))} cases "
              f"among busy {injector.home} persons, amounts in {injector.currency}")
    elif len(args.pairs) % 2:
        parser.error("score takes pairs: LEADS DUMP [LEADS DUMP ...]")
    else:
        score(zip(args.pairs[::2], args.pairs[1::2]))


if __name__ == "__main__":
    main()
