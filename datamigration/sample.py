"""Sample dirty legacy orders (for the demo and the tests), with the exact outcome a clean
run must give: codes in five spellings incl. full-width, dates in five formats, amounts in
four number formats, three currencies in several spellings, duplicate keys, bad rows."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import yaml

RATES = {"USD": [("2019-01-01", "0.90"), ("2021-01-01", "0.80")], "CNY": [("2019-01-01", "0.13")]}
FULL = str.maketrans("0123456789-", "０１２３４５６７８９－")


@dataclass
class Expected:
    rows: int = 0
    migrated: int = 0
    rejected: int = 0
    duplicates: int = 0
    cents: dict[str, int] = field(default_factory=dict)
    eur_cents: int = 0


def _rate(cur: str, day: str) -> Decimal:
    if cur == "EUR":
        return Decimal(1)
    return Decimal([r for d, r in RATES[cur] if d <= day][-1])


def _code(n: int, style: int) -> str:
    return [
        f"cus-{n}",
        f" CUS_{n:07d} ",
        f"Cus {n}",
        f"ＣＵＳ－{n:07d}".translate(FULL),
        f"cus{n:07d}",
    ][style]


def _date(y: int, m: int, d: int, style: int) -> str:
    return [
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}.{m:02d}.{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
    ][style]


def _amount(cents: int, style: int) -> str:
    e, c = divmod(cents, 100)
    return [
        f"{e}.{c:02d}",
        f"{e:,}".replace(",", ".") + f",{c:02d}",
        f"{e:,}.{c:02d}",
        f"{e}.{c:02d}".translate(FULL),
    ][style]


def write_csv(path: Path, n: int, seed: int = 7, bad: float = 0.01) -> Expected:
    """n rows: ~2% duplicate keys; `bad` of bad dates, of bad amounts, of missing codes each."""
    rnd, exp, seen, order = random.Random(seed), Expected(), set(), []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["legacy_id", "order_no", "customer_code", "amount", "currency", "order_date"])
        for i in range(1, n + 1):
            exp.rows += 1
            dup = seen and rnd.random() < 0.02
            no = rnd.choice(order[-50:]) if dup else i
            cents = rnd.randint(100, 900_000)
            cur = rnd.choice(["EUR", "eur ", "USD", "$", "CNY", "¥"])
            y, m, d = rnd.randint(2019, 2023), rnd.randint(1, 12), rnd.randint(1, 28)
            row = [
                i,
                f"SO-{no:06d}",
                _code(rnd.randint(1, 99999), rnd.randrange(5)),
                _amount(cents, rnd.randrange(4)),
                cur,
                _date(y, m, d, rnd.randrange(5)),
            ]
            r = rnd.random()
            if r < bad:
                row[5] = "31.02.2021"
            elif r < 2 * bad:
                row[3] = "n/a"
            elif r < 3 * bad:
                row[2] = "   "
            w.writerow(row)
            if r < 3 * bad:
                exp.rejected += 1
            elif no in seen:
                exp.duplicates += 1
            else:
                seen.add(no)
                order.append(no)
                exp.migrated += 1
                iso = f"{y}-{m:02d}-{d:02d}"
                code = {
                    "EUR": "EUR",
                    "eur ": "EUR",
                    "USD": "USD",
                    "$": "USD",
                    "CNY": "CNY",
                    "¥": "CNY",
                }[cur]
                exp.cents[code] = exp.cents.get(code, 0) + cents
                eur = (Decimal(cents) / 100 * _rate(code, iso)).quantize(
                    Decimal("0.01"), ROUND_HALF_EVEN
                )
                exp.eur_cents += int(eur * 100)
    return exp


def write_rates(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("date,currency,rate\n")
        for cur, rows in RATES.items():
            for day, rate in rows:
                fh.write(f"{day},{cur},{rate}\n")


FIELDS = [
    {"name": "id", "source": "legacy_id", "type": "int", "required": True},
    {"name": "order_no", "source": "order_no", "rules": ["trim", "upper"], "required": True},
    {
        "name": "customer_code",
        "source": "customer_code",
        "required": True,
        "rules": ["fullwidth_to_halfwidth", {"code": {"pattern": r"\d+", "format": "CUS-{:07d}"}}],
    },
    {
        "name": "amount",
        "source": "amount",
        "type": "decimal",
        "rules": ["amount"],
        "required": True,
    },
    {"name": "currency", "source": "currency", "rules": ["currency"], "required": True},
    {
        "name": "order_date",
        "source": "order_date",
        "type": "date",
        "rules": ["date"],
        "required": True,
    },
    {
        "name": "amount_eur",
        "field": "amount",
        "type": "decimal",
        "required": True,
        "rules": [
            {"convert": {"currency_field": "currency", "date_field": "order_date"}},
        ],
    },
]


def write_spec(folder: Path, target_url: str, source: dict | None = None, **extra) -> Path:
    """A spec for the dirty orders (CSV source by default) into `target_url`."""
    spec = {
        "name": "orders",
        "source": source or {"csv": {"path": "legacy.csv"}},
        "target": {"url": target_url, "table": "orders", "staging_table": "orders_pilot"},
        "key": ["order_no"],
        "batch_size": 500,
        "rates": "rates.csv",
        "amount": {"column": "amount", "currency_column": "currency"},
        "sample": {"percent": 10},
        "fields": FIELDS,
        **extra,
    }
    path = folder / "orders.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    write_rates(folder / "rates.csv")
    return path
