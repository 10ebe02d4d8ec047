"""Bad input gets one clear line naming what and where, and a non-zero exit code."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from cli import main
from store.db import current_revision, head_revision, make_engine, upgrade


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_database_is_named_with_password_masked():
    url = f"postgresql://postgres:secret@127.0.0.1:{closed_port()}/nowhere"
    result = CliRunner().invoke(main, ["leads", "list", "--database-url", url])
    assert result.exit_code == 2
    assert "cannot reach database" in result.output
    assert "127.0.0.1" in result.output and "secret" not in result.output


def test_bad_profile_names_file_and_field(tmp_path):
    profile = tmp_path / "broken.yaml"
    profile.write_text("code: x\nname: 坏的\nbase_url: http://127.0.0.1:1\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["sweep", str(profile), "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
    assert "broken.yaml" in result.output and "search" in result.output


def test_unknown_setting_is_refused(monkeypatch):
    monkeypatch.setenv("WANGJIAN_DATABSE_URL", "sqlite:///x.db")
    result = CliRunner().invoke(main, ["leads", "list"])
    assert result.exit_code == 2
    assert "unknown setting WANGJIAN_DATABSE_URL" in result.output


def test_bad_region_prefix():
    result = CliRunner().invoke(main, ["leads", "list", "--region", "湖北"])
    assert result.exit_code == 2
    assert "'湖北' is not a region code or prefix such as 42, 4207 or 420703" in result.output


def test_bad_pack_names_file_and_line(tmp_path):
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "id: bad\nversion: '1'\ntitle: 坏\nlegal_basis: x\nowner: y\nthreshold: 5\n"
        "rules:\n  - id: r1\n    description: d\n    legal_basis: x\n    severity: huge\n"
        "    weight: 1\n    terms: [象牙]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["rules", "lint", str(pack)])
    assert result.exit_code == 1
    assert f"{pack}:11:" in result.output and "severity" in result.output
    scored = CliRunner().invoke(main, ["rules", "explain", "象牙", "--packs", str(pack)])
    assert scored.exit_code == 2 and "rule pack error" in scored.output


def files_under(folder) -> list:
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [
        ["leads", "list"],
        ["leads", "list", "--format", "csv"],
        ["leads", "status", "1", "verified"],
        ["db", "check"],
    ],
)
def test_no_database_yet_says_how_to_create_one_and_creates_nothing(tmp_path, args):
    path = tmp_path / "data" / "wangjian.db"
    result = CliRunner().invoke(main, [*args, "--database-url", f"sqlite:///{path}"])
    assert (result.exit_code, result.output) == (
        2,
        f"Error: no database at {path}: run `wangjian db upgrade` or a sweep first\n",
    )
    assert files_under(tmp_path) == []


def test_no_database_in_the_data_dir_creates_no_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("WANGJIAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(tmp_path / "wangjian-data"))
    result = CliRunner().invoke(main, ["leads", "list"])
    assert result.exit_code == 2
    assert f"no database at {tmp_path / 'wangjian-data' / 'wangjian.db'}: run" in result.output
    assert files_under(tmp_path) == []


def test_an_empty_database_file_says_to_upgrade(tmp_path):
    path = tmp_path / "wangjian.db"
    path.touch()
    url = f"sqlite:///{path}"
    for args in (["leads", "list"], ["leads", "status", "1", "verified"]):
        result = CliRunner().invoke(main, [*args, "--database-url", url])
        assert (result.exit_code, result.output) == (
            2,
            f"Error: database {url} has no wangjian tables yet: "
            "run `wangjian db upgrade` or a sweep first\n",
        )
    # ... and `wangjian db upgrade` is what makes it usable.
    assert CliRunner().invoke(main, ["db", "upgrade", "--database-url", url]).exit_code == 0
    assert CliRunner().invoke(main, ["leads", "list", "--database-url", url]).exit_code == 0


def test_an_older_schema_says_to_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'wangjian.db'}"
    upgrade(url, "0002")
    result = CliRunner().invoke(main, ["leads", "list", "--database-url", url])
    assert (result.exit_code, result.output) == (
        2,
        f"Error: database {url} is at schema revision 0002, older than this wangjian's "
        f"{head_revision()}: run `wangjian db upgrade`\n",
    )
    assert current_revision(make_engine(url)) == "0002"  # a read never migrates


MYSQL = ("mysql://alice:s3cret@127.0.0.1/leads", "mysql://alice:***@127.0.0.1/leads")


@pytest.mark.parametrize(
    ("command", "url", "shown"),
    [
        (["leads", "list"], *MYSQL),
        (["leads", "list"], "mysql+pymysql://alice:s3cret@db/leads", "mysql://alice:***@db/leads"),
        (["leads", "list"], "oracle://scott:tiger@127.0.0.1/xe", "oracle://scott:***@127.0.0.1/xe"),
        (["leads", "list"], "postgresq://u:s3cret@127.0.0.1/x", "postgresq://u:***@127.0.0.1/x"),
        (["leads", "list"], "sqlit:///wangjian.db", "sqlit:///wangjian.db"),
        (["leads", "status", "1", "referred"], *MYSQL),
        (["db", "upgrade"], *MYSQL),
        (["db", "check"], *MYSQL),
        (["rescore"], *MYSQL),
    ],
)
def test_unsupported_database_url_names_it_and_the_backends(
    tmp_path, monkeypatch, url, shown, command
):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*command, "--database-url", url])
    assert (result.exit_code, result.output) == (
        2,
        f"Error: unsupported database URL {shown}: wangjian supports sqlite "
        "(sqlite:///path/to/wangjian.db) and postgresql (postgresql://user@host/db)\n",
    )
    assert "s3cret" not in result.output and "tiger" not in result.output
    assert files_under(tmp_path) == []


def test_a_driver_not_installed_is_one_line(tmp_path):
    url = "postgresql+pg8000://u:s3cret@127.0.0.1/x"
    result = CliRunner().invoke(main, ["leads", "list", "--database-url", url])
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: cannot use database URL postgresql://u:***@127.0.0.1/x: its driver is not installed"
    )
    assert "s3cret" not in result.output and len(result.output.splitlines()) == 1
