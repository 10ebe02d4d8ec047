"""Bad input gets one clear line naming what and where, and a non-zero exit code."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from cli import main


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
