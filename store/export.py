"""Lead lists as investigators read them: a table, CSV that Excel opens cleanly, JSON for
scripts, and (``store.xlsx``) an Excel workbook; ``export_leads`` writes any of them to a file.

Seller text is hostile: a cell Excel would read as a formula is neutralised here, by
``neutralised``, for CSV and XLSX alike.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from tabulate import tabulate

from rules.labels import category_label, kind_label, region_source_label, status_label
from rules.terminal import shorten
from store.errors import StoreError
from store.leads import LeadRow

# (header, how to read it off a row) for CSV and XLSX; the table shows a narrower subset.
COLUMNS: list[tuple[str, str]] = [
    ("线索编号", "id"),
    ("类别", "category"),
    ("分值", "score"),
    ("状态", "status"),
    ("属地代码", "region_code"),
    ("属地", "region_name"),
    ("属地依据", "region_source"),
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
    ("商品下架时间", "vanished_at"),
]
TABLE_COLUMNS = ("线索编号", "类别", "分值", "属地", "对象", "标题/店铺名", "命中内容", "最近发现")
# Cells starting with these are formulas to Excel (and LibreOffice, Google Sheets).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What a file export can be written as.
FILE_FORMATS = ("csv", "xlsx", "json")


class ExportError(StoreError):
    """The export file cannot be written: it exists, or its folder is missing or read-only."""


class ExportExistsError(ExportError):
    """The export file exists and was not to be replaced."""


def format_of(path: str | os.PathLike[str]) -> str | None:
    """The file format a file name asks for by its extension (``.xlsx`` -> ``xlsx``)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FILE_FORMATS else None


def neutralised(value: object) -> object:
    """``value`` as a spreadsheet must hold it: text Excel would read as a formula gets a
    leading quote and stays text. The one place of this rule (CSV and XLSX)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: datetime) -> datetime:
    """An aware time as the investigator's clock shows it, without a zone (what a
    spreadsheet holds)."""
    return value.astimezone().replace(tzinfo=None)


def cell_values(row: LeadRow, labels: Mapping[str, str]) -> list[object]:
    """The row's cells in ``COLUMNS`` order, typed: numbers stay numbers, times are local
    ``datetime``, labels Chinese, absent values None. Not yet neutralised."""
    return [_value(row, attr, labels) for _, attr in COLUMNS]


def _value(row: LeadRow, attr: str, labels: Mapping[str, str]) -> object:
    value = getattr(row, attr)
    if attr == "category":
        return category_label(value, labels)
    if attr == "status":
        return status_label(value)
    if attr == "kind":
        return kind_label(value)
    if attr == "region_source":
        return region_source_label(value) or None
    if isinstance(value, datetime):
        return local_time(value)
    return value


def cell_text(value: object) -> str:
    """A typed cell value as CSV and the table write it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _short(value: str, width: int = 28) -> str:
    # The table goes to a terminal: seller text is cut, then its control characters escaped.
    return shorten(value, width)


def json_records(rows: Sequence[LeadRow]) -> list[dict[str, object]]:
    """Rows as JSON objects: English keys, ids not labels, ISO times, None for absent."""
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(r).items()}
        for r in rows
    ]


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
        json.dump(json_records(rows), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([h for h, _ in COLUMNS])
        writer.writerows([cell_text(neutralised(v)) for v in cell_values(r, labels)] for r in rows)
        return
    if not rows:
        stream.write("没有符合条件的线索。\n")
        return
    position = {h: i for i, (h, _) in enumerate(COLUMNS)}
    body = []
    for r in rows:
        values = cell_values(r, labels)
        body.append([_short(cell_text(values[position[h]])) for h in TABLE_COLUMNS])
    stream.write(tabulate(body, headers=TABLE_COLUMNS, tablefmt="simple") + "\n")
    stream.write(f"共 {len(rows)} 条线索\n")


def _write_format(
    rows: Sequence[LeadRow], fmt: str, stream: BinaryIO, labels: Mapping[str, str]
) -> None:
    if fmt == "xlsx":
        from store.xlsx import write_xlsx  # openpyxl is loaded for workbooks only

        write_xlsx(rows, stream, labels)
        return
    # CSV files get a BOM: Excel reads UTF-8 only when the file says so.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    write_leads(rows, fmt, text, labels)
    text.flush()
    text.detach()


def export_leads(
    rows: Sequence[LeadRow],
    fmt: str,
    path: str | os.PathLike[str],
    labels: Mapping[str, str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``rows`` to ``path`` as ``csv``, ``xlsx``, ``json`` (or ``table``), atomically
    (``write_atomically``)."""
    return write_atomically(
        path, lambda stream: _write_format(rows, fmt, stream, labels or {}), overwrite
    )


def write_atomically(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], None], overwrite: bool = False
) -> Path:
    """Have ``write`` fill ``path``, atomically: the file is written beside ``path`` under a
    temporary name, then renamed, so a reader never sees half a file and a failed write
    leaves none. An existing file is replaced only with ``overwrite``. Raises
    ``ExportError`` with one line to show."""
    path = Path(path)
    folder = path.parent
    temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        if not overwrite and path.exists():
            raise ExportExistsError(f"{path} already exists")
        # Not mkstemp: its file is private (0600); an export gets the umask's permissions.
        with open(temporary, "xb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            _rename_new(temporary, path)
    except FileNotFoundError:
        raise ExportError(f"cannot write {path}: folder {folder} does not exist") from None
    except NotADirectoryError:
        raise ExportError(f"cannot write {path}: {folder} is not a folder") from None
    except PermissionError:
        raise ExportError(f"cannot write {path}: folder {folder} is not writable") from None
    except IsADirectoryError:
        raise ExportError(f"cannot write {path}: it is a folder") from None
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):  # gone already: renamed, or never created
            temporary.unlink()
    return path


def _rename_new(temporary: Path, path: Path) -> None:
    """Rename, refusing to replace a file that appeared meanwhile (a hard link fails if the
    name is taken; where links are not supported, a last check before the rename)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise ExportExistsError(f"{path} already exists") from None
    except OSError:
        if path.exists():
            raise ExportExistsError(f"{path} already exists") from None
        os.replace(temporary, path)
