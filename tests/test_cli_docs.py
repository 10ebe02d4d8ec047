"""Every command has help with an example, and docs/cli.md is what --help says."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click

from cli import main

ROOT = Path(__file__).resolve().parent.parent


def _load_docs_module():
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_leaf_command_has_help_and_an_example():
    docs = _load_docs_module()
    missing = []
    for path, command in docs.walk(main, ["wangjian"]):
        if not command.help:
            missing.append(" ".join(path) + ": no help")
        elif not isinstance(command, click.Group) and "Example:" not in command.help:
            missing.append(" ".join(path) + ": no Example")
        for param in command.params:
            if (
                isinstance(param, click.Option)
                and not param.help
                and param.name not in {"help", "version"}
            ):
                missing.append(f"{' '.join(path)} {param.opts[0]}: no help")
    assert missing == []


def test_cli_reference_is_current():
    docs = _load_docs_module()
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == docs.render(), (
        "docs/cli.md is stale: run .venv/bin/python scripts/cli_docs.py"
    )


def test_the_readme_lists_every_exit_code():
    from cli import EXIT_MEANINGS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {int(m) for m in re.findall(r"^\| (\d) \|", readme, flags=re.MULTILINE)}
    assert rows == {code.value for code in EXIT_MEANINGS}
