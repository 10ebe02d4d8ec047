"""Lead lists as investigators read them: a table, CSV that Excel opens cleanly, or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TextIO

from tabulate import tabulate

from rules.labels import category_label, kind_label, status_label
from rules.terminal import shorten
from store.leads import LeadRow

# (header, how to read it off a row) for CSV; the table shows a narrower subset.
COLUMNS: list[tuple[str, str]] = [
    ("线索编号", "id"),
    ("类别", "category"),
    ("分值", "score"),
    ("状态", "status"),
    ("属地代码", "region_code"),
    ("属地", "region_name"),
    ("对象", "kind"),
    ("平台", "platform"),
    ("平台编号", "external_id"),
    ("标题/店铺名", "title"),
    ("店铺", "shop_name"),
    ("统一社会信用代码", "uscc"),
    ("命中内容", "matched"),
    ("首次发现", "first_seen"),
    ("最近发现", "last_seen"),
    ("网址", "url"),
    ("规则包版本", "pack_version"),
    ("不再命中时间", "cleared_at"),
]
TABLE_COLUMNS = ("线索编号", "类别", "分值", "属地", "对象", "标题/店铺名", "命中内容", "最近发现")
# Cells starting with these are formulas to Excel; a leading quote keeps them text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _local(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _cell(row: LeadRow, attr: str, labels: Mapping[str, str]) -> object:
    value = getattr(row, attr)
    if attr == "category":
        return category_label(value, labels)
    if attr == "status":
        return status_label(value)
    if attr == "kind":
        return kind_label(value)
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else value


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _short(value: object, width: int = 28) -> object:
    # The table goes to a terminal: seller text is cut, then its control characters escaped.
    return shorten(str(value), width)


def write_leads(
    rows: Sequence[LeadRow],
    fmt: str,
    stream: TextIO,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Write ``rows`` as ``table``, ``csv`` or ``json``.

    ``labels`` maps pack ids to the titles of the packs loaded (custom packs included); a
    category not in it gets its shipped title, else shows as its id.
    """
    labels = labels or {}
    if fmt == "json":
        records = [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(r).items()}
            for r in rows
        ]
        json.dump(records, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    table = [{h: _cell(r, attr, labels) for h, attr in COLUMNS} for r in rows]
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([h for h, _ in COLUMNS])
        writer.writerows([_safe(line[h]) for h, _ in COLUMNS] for line in table)
        return
    if not rows:
        stream.write("没有符合条件的线索。\n")
        return
    body = [[_short(line[h]) for h in TABLE_COLUMNS] for line in table]
    stream.write(tabulate(body, headers=TABLE_COLUMNS, tablefmt="simple") + "\n")
    stream.write(f"共 {len(rows)} 条线索\n")
