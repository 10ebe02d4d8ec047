"""Load rule packs from YAML into models, with file:line:col on every problem.

Two modes: ``load_packs`` (a sweep or scan) stops at the first error; ``lint_packs`` (an
analyst's `rules lint`) collects every error and warning. Pydantic's error locations are
mapped back to lines through the YAML node tree, which keeps the marks yaml's composer saw.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules.errors import Issue, PackError
from rules.model import Pack, PackSet, Rule
from rules.normalize import normalize_term
from rules.patterns import check_regex

PACKS_DIR = Path(__file__).resolve().parent / "packs"
Loc = tuple[Any, ...]


def _field_names() -> set[str]:
    from rules import model

    names: set[str] = set()
    for cls in vars(model).values():
        if isinstance(cls, type) and hasattr(cls, "model_fields"):
            names.update(cls.model_fields)
    return names


_KNOWN_FIELDS = _field_names()


class _Doc:
    """One YAML file: its node tree (for marks) and the plain data built from it."""

    def __init__(self, path: Path, text: str):
        self.path = str(path)
        # libyaml keeps the marks too and is ten times faster on a 2,000-line pack.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        try:
            self.node = loader.get_single_node()
            self.data = loader.construct_document(self.node) if self.node is not None else None
        finally:
            loader.dispose()

    def locate(self, loc: Loc, missing: bool = False, at_key: bool = False):
        """Return (line, column, dotted field) for a pydantic-style location."""
        node, key_node, field = self.node, None, ""
        for n, el in enumerate(loc):
            if isinstance(node, yaml.MappingNode) and isinstance(el, str):
                match = next(((k, v) for k, v in node.value if k.value == el), None)
                if match is None:
                    if missing and n == len(loc) - 1:
                        field = f"{field}.{el}" if field else el
                    continue  # a union member's name, not a key of the document
                key_node, node = match
                field = f"{field}.{el}" if field else el
            elif isinstance(node, yaml.SequenceNode) and isinstance(el, int):
                if el < len(node.value):
                    key_node, node = None, node.value[el]
                    field = f"{field}[{el}]"
        mark = (key_node if at_key and key_node is not None else node).start_mark
        return mark.line + 1, mark.column + 1, field

    def issue(self, loc: Loc, message: str, severity: str = "error", **kw) -> Issue:
        line, col, field = self.locate(loc, **kw)
        return Issue(self.path, line, col, field, message, severity)  # type: ignore[arg-type]

    def duplicate_keys(self) -> list[Issue]:
        issues: list[Issue] = []
        stack = [self.node] if self.node is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value in seen:
                        m = k.start_mark
                        issues.append(
                            Issue(
                                self.path,
                                m.line + 1,
                                m.column + 1,
                                k.value,
                                f"duplicate key {k.value!r}",
                            )
                        )
                    seen.add(getattr(k, "value", ""))
                    stack.append(v)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return issues


def _message(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        name = str(err["loc"][-1])
        close = difflib.get_close_matches(name, _KNOWN_FIELDS - {name}, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown field {name!r}{hint}"
    if err["type"] == "missing":
        return "required field is missing"
    return err["msg"]


def _validation_issues(doc: _Doc, exc: ValidationError, prefix: Loc = ()) -> list[Issue]:
    merged: dict[tuple[int, int, str], list[str]] = {}
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        kw = {"missing": err["type"] == "missing", "at_key": err["type"] == "extra_forbidden"}
        line, col, field = doc.locate(loc, **kw)
        msgs = merged.setdefault((line, col, field), [])
        if _message(err) not in msgs:
            msgs.append(_message(err))
    return [Issue(doc.path, ln, col, f, "; ".join(m)) for (ln, col, f), m in merged.items()]


def _rule_issues(doc: _Doc, i: int, rule: Rule) -> list[Issue]:
    at = ("rules", i)
    issues: list[Issue] = []
    if rule.check is not None and rule.has_matchers():
        issues.append(
            doc.issue(
                at + ("check",),
                "a rule has either a check or text matchers (terms, regex, fuzzy), not both",
            )
        )
    if rule.check is None and not rule.has_matchers():
        issues.append(doc.issue(at, "a rule needs terms, regex, fuzzy or a check"))
    for j, spec in enumerate(rule.term_specs()):
        if not normalize_term(spec.term):
            issues.append(doc.issue(at + ("terms", j), "term is empty after normalisation"))
    for key in ("exclude", "require_any"):
        for j, term in enumerate(getattr(rule, key)):
            if not normalize_term(term):
                issues.append(doc.issue(at + (key, j), "term is empty after normalisation"))
    for j, pattern in enumerate(rule.regex):
        problem = check_regex(pattern)
        if problem:
            issues.append(doc.issue(at + ("regex", j), problem))
    for j, fz in enumerate(rule.fuzzy):
        if len(normalize_term(fz.term)) < 4:
            issues.append(
                doc.issue(
                    at + ("fuzzy", j, "term"),
                    "fuzzy terms need at least 4 characters after normalisation",
                )
            )
    if rule.phonetic and not rule.terms:
        issues.append(doc.issue(at + ("phonetic",), "phonetic has no terms to apply to", "warning"))
    if rule.examples is None or not (rule.examples.match or rule.examples.no_match):
        issues.append(doc.issue(at + ("id",), f"rule {rule.id!r} has no examples", "warning"))
    return issues


def _check_file(path: Path) -> tuple[Pack | None, list[Issue], _Doc | None]:
    try:
        doc = _Doc(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Issue(str(path), 0, 0, "", f"cannot read file: {exc}")], None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return None, [Issue(str(path), line, col, "", f"YAML syntax: {exc.problem}")], None
    issues = doc.duplicate_keys()
    if not isinstance(doc.data, dict):
        issues.append(doc.issue((), "a pack file must be a mapping (id, version, rules, …)"))
        return None, issues, doc
    pack: Pack | None = None
    try:
        pack = Pack.model_validate(doc.data)
        rules = list(enumerate(pack.rules))
    except ValidationError as exc:
        issues += _validation_issues(doc, exc)
        rules = []
        for i, raw in enumerate(doc.data.get("rules") or []):
            try:
                rules.append((i, Rule.model_validate(raw)))
            except ValidationError:
                pass  # already reported through the pack's errors
    for i, rule in rules:
        issues += _rule_issues(doc, i, rule)
    seen: set[str] = set()
    for i, raw in enumerate(doc.data.get("rules") or []):
        rid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(rid, str):
            if rid in seen:
                issues.append(doc.issue(("rules", i, "id"), f"duplicate rule id {rid!r}"))
            seen.add(rid)
    issues.sort(key=lambda x: (x.line, x.column))
    if any(x.severity == "error" for x in issues):
        pack = None
    return pack, issues, doc


def pack_files(path: Path | str | None = None) -> list[Path]:
    """The pack files a path names: a folder's *.yaml/*.yml (sorted) or one file."""
    root = PACKS_DIR if path is None else Path(path)
    if root.is_dir():
        return sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml"))
    if root.is_file():
        return [root]
    raise PackError([Issue(str(root), 0, 0, "", "no such file or folder")])


def _load(files: Iterable[Path], stop_at_first: bool) -> tuple[PackSet, list[Issue]]:
    packset = PackSet()
    all_issues: list[Issue] = []
    for path in files:
        pack, issues, doc = _check_file(path)
        if pack is not None and doc is not None and pack.id in packset.sources:
            first = packset.sources[pack.id]
            issues.append(doc.issue(("id",), f"duplicate pack id {pack.id!r} (also in {first})"))
            pack = None
        errors = [x for x in issues if x.severity == "error"]
        if errors and stop_at_first:
            raise PackError(errors[:1])
        all_issues += issues
        if pack is not None:
            packset.packs.append(pack)
            packset.sources[pack.id] = path
    packset.warnings = [x for x in all_issues if x.severity == "warning"]
    return packset, all_issues


def load_packs(path: Path | str | None = None) -> PackSet:
    """Load the packs at ``path`` (folder or file; None: shipped packs); stop at the first error."""
    return _load(pack_files(path), stop_at_first=True)[0]


def lint_packs(path: Path | str | None = None) -> list[Issue]:
    """Check the packs at ``path`` and return every error and warning, in file order."""
    return _load(pack_files(path), stop_at_first=False)[1]
