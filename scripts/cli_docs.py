"""Generate docs/cli.md from the commands' own --help (run: python scripts/cli_docs.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], [*path, name])


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from cli import main

    parts = ["# CLI reference\n\nGenerated from `--help` by `scripts/cli_docs.py`.\n"]
    runner = CliRunner()
    for path, _command in walk(main, ["wangjian"]):
        result = runner.invoke(main, [*path[1:], "--help"], terminal_width=100)
        parts.append(f"## {' '.join(path)}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
