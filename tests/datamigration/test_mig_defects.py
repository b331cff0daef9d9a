"""The migration defects of issue 6, each refused or fixed: pilot rows never taken for source
duplicates, missing rows never balanced, bad encoding named by line, plugin code in the run's
identity, bad rules and rates refused before any row, an unknown run id refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.errors import MigrationError, PackError
from implflow.datamigration.load import run
from implflow.datamigration.reconcile import reconcile
from implflow.datamigration.spec import load_spec

runner = CliRunner()


def edit_spec(path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(spec)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_pilot_then_full_counts_only_the_sources_duplicates(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(3000)
    edit_spec(spec_path, lambda s: s["target"].pop("staging_table"))  # no staging table named
    spec = load_spec(spec_path)
    pilot = run(spec, "pilot")
    full = run(spec, "full")
    assert pilot.table != full.table == "orders"
    assert (full.rows_in, full.migrated, full.duplicates) == (
        exp.rows,
        exp.migrated,
        exp.duplicates,
    )
    r = reconcile(spec, "full")
    assert r.balanced and r.source_duplicates == r.duplicates == exp.duplicates


def test_the_pilot_table_cannot_be_the_target_table(dirty) -> None:
    spec_path, _ = dirty(100)
    edit_spec(spec_path, lambda s: s["target"].update(staging_table="orders"))
    with pytest.raises(PackError, match="staging_table must differ from table"):
        load_spec(spec_path)


def test_rows_missing_from_the_target_are_never_balanced(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(1000)
    run(load_spec(spec_path), "full")
    con = sqlite3.connect(tmp_path / "target.db")
    con.execute("DELETE FROM orders WHERE order_no IN (SELECT order_no FROM orders LIMIT 7)")
    con.commit()
    con.close()
    r = reconcile(load_spec(spec_path), "full")
    assert r.missing == 7 and not r.balanced
    assert not r.to_record().get("balanced", False)
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path), "--json"])
    body = json.loads(res.stdout)
    assert res.exit_code == 1 and body["balanced"] is False
    assert "7 rows missing from the target" in body["reasons"]
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path)])
    assert "(NOT balanced)" in " ".join(res.stdout.split())


def _corrupt_line(csv_path: Path, line: int) -> None:
    lines = csv_path.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].replace(b",", b",\xff\xfe", 1)
    csv_path.write_bytes(b"\n".join(lines))


def _without_conversion(s: dict) -> None:
    s["fields"] = [f for f in s["fields"] if f["name"] != "amount_eur"]
    s.pop("rates")


@pytest.mark.parametrize("converts", [True, False], ids=["rates-read-first", "decoded-alone"])
def test_bad_encoding_after_the_first_kilobytes_refuses_the_file_naming_the_line(
    dirty, tmp_path: Path, converts: bool
) -> None:
    spec_path, _ = dirty(2000)
    if not converts:
        edit_spec(spec_path, _without_conversion)
    csv_path = tmp_path / "legacy.csv"
    _corrupt_line(csv_path, 1500)
    assert len(b"\n".join(csv_path.read_bytes().split(b"\n")[:1499])) > 64 * 1024
    with pytest.raises(MigrationError) as err:
        run(load_spec(spec_path), "full")
    assert f"source {csv_path}: line 1500: not utf-8" in str(err.value)
    assert "nothing was written" in str(err.value)
    db = tmp_path / "target.db"
    assert not db.exists() or rows(db, "SELECT name FROM sqlite_master WHERE name='orders'") == []
    res = runner.invoke(app, ["migrate", "profile", str(spec_path)])
    assert res.exit_code == 6 and "line 1500" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


PLUGIN = """
from implflow.datamigration import register_rule


@register_rule("tag_name")
def _tag(params, ctx):
    return lambda v, row: v + "{tag}"
"""


def test_plugin_next_to_the_spec_loads_and_its_code_is_part_of_the_run(
    dirty, tmp_path: Path
) -> None:
    spec_path, exp = dirty(600)
    plugin = tmp_path / "name_tags.py"
    plugin.write_text(PLUGIN.format(tag=" (v1)"), encoding="utf-8")

    def use_plugin(s: dict) -> None:
        s["plugins"] = ["name_tags"]
        for f in s["fields"]:
            if f["name"] == "customer_code":
                f["rules"] = [*f.get("rules", []), "tag_name"]

    edit_spec(spec_path, use_plugin)
    first = run(load_spec(spec_path), "full")  # no PYTHONPATH: found next to the spec
    assert first.migrated == exp.migrated and len(first.plugins_sha256) == 64
    tags = rows(tmp_path / "target.db", "SELECT DISTINCT substr(customer_code, -4) FROM orders")
    assert tags == [("(v1)",)]
    totals = rows(
        tmp_path / "target.db", f"SELECT totals FROM implflow_runs WHERE run_id='{first.run_id}'"
    )
    assert json.loads(totals[0][0])["plugins_sha256"] == first.plugins_sha256
    recon = reconcile(load_spec(spec_path), "full").to_record()
    assert recon["plugins_sha256"] == first.plugins_sha256
    plugin.write_text(PLUGIN.format(tag=" (v2)"), encoding="utf-8")  # the plugin is fixed
    second = run(load_spec(spec_path), "full")
    assert second.run_id != first.run_id and second.batches_skipped == 0
    assert second.plugins_sha256 != first.plugins_sha256


@pytest.mark.parametrize(
    ("field", "rule", "message"),
    [
        ("order_no", {"regex": "([A-Z"}, "field order_no: rule regex: bad parameters"),
        (
            "customer_code",
            {"code": {"pattern": r"\d+", "format": "CUS-{:07q}"}},
            "field customer_code: rule code: bad parameters (format 'CUS-{:07q}'",
        ),
        ("customer_code", {"code": {"pattern": "(", "format": "{}"}}, "rule code: bad parameters"),
        ("currency", {"currency": {"aliases": ["USD"]}}, "rule currency: bad parameters"),
    ],
)
def test_bad_rule_parameters_are_refused_before_any_row(
    dirty, tmp_path: Path, field: str, rule: dict, message: str
) -> None:
    spec_path, _ = dirty(300)

    def change(s: dict) -> None:
        for f in s["fields"]:
            if f["name"] == field:
                f["rules"] = [rule]

    edit_spec(spec_path, change)
    with pytest.raises(MigrationError, match="^spec orders: ") as err:
        run(load_spec(spec_path), "full")
    assert message in str(err.value)
    assert not (tmp_path / "target.db").exists()


def test_a_negative_exchange_rate_is_refused_naming_the_line(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(300)
    rates = tmp_path / "rates.csv"
    lines = rates.read_text(encoding="utf-8").splitlines()
    head, first = lines[0].split(","), lines[1].split(",")
    first[head.index("rate")] = "-1.08"
    rates.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="line 2: rate: must be a positive number, not -1.08"):
        run(load_spec(spec_path), "full")
    assert not (tmp_path / "target.db").exists()


def test_an_unknown_run_id_is_refused(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(300)
    res = runner.invoke(app, ["migrate", "run", str(spec_path), "--run-id", "orders-nope"])
    assert res.exit_code == 6
    assert res.stderr.strip() == (
        "error: --run-id: no run 'orders-nope' in the target to resume "
        "(leave --run-id out to start a run)"
    )
    assert rows(tmp_path / "target.db", "SELECT COUNT(*) FROM orders") == [(0,)]
    done = run(load_spec(spec_path), "full")
    again = run(load_spec(spec_path), "full", run_id=done.run_id)  # a known id resumes
    assert again.batches_skipped == again.batches
    with pytest.raises(MigrationError, match="is a full run of orders"):
        run(load_spec(spec_path), "pilot", run_id=done.run_id)


def test_the_source_amount_as_read_balances_with_migrated_rejected_and_duplicates(
    dirty, tmp_path: Path
) -> None:
    spec_path, exp = dirty(2000)
    spec = load_spec(spec_path)
    run(spec, "full")
    in_sql, streamed = reconcile(spec, "full"), reconcile(spec, "full", streaming=True)
    for r in (in_sql, streamed):
        assert r.amount_target_cents == dict(sorted(exp.cents.items()))
        assert sum(r.amount_rejected_cents.values()) > 0 < sum(r.amount_duplicate_cents.values())
    assert in_sql.amount_rejected_cents == streamed.amount_rejected_cents
    assert in_sql.amount_duplicate_cents == streamed.amount_duplicate_cents
    assert in_sql.rejected_unreadable_amounts == streamed.rejected_unreadable_amounts > 0
    record = in_sql.to_record()
    assert record["amount_rejected_cents"] == in_sql.amount_rejected_cents
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path)])
    assert "source as read" in res.stdout
