"""Every Dutch service message has an English one (core.messages_en), and the table has nothing stale.

Transitional: a folder that raises ``core.i18n`` messages (``_l(...)``) has its English in the catalogue
(tests/unit/test_message_catalogue.py); this test guards the folders not converted yet, and goes with the table.

The source of the service folders is read with ``ast`` (nothing is imported or run): each ``DomainError``
subclass call whose message is a string literal or an f-string gives a template (placeholders as ``{}``)
that the English table must hold. A new Dutch message without English fails here, and so does an English
entry that no service raises any more.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from string import Formatter

import pytest

from core.messages_en import FRAGMENTS, MESSAGES, template_fields

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("events", "members", "ticketing", "pairing", "checkin", "invoicing", "ideas", "core",
                  "frontend")
# Not DomainErrors themselves, but their messages become one: events.service re-raises an EventRuleError as
# InvalidInput(exc.message); events.service._refuse(actor, row, message) raises Forbidden(message);
# members.accounts and members.password_reset raise password_problem()'s answer (or its _zxcvbn_hint()) as InvalidInput.
MESSAGE_CARRIERS = {"EventRuleError": 0, "_refuse": 2}
MESSAGE_FUNCTIONS = ("password_problem", "_zxcvbn_hint")
# Where a DomainError's message is not a literal, the expression must be one whose text is checked elsewhere
# (a carrier above, or a Rejection with its own reason_en). A new one needs a thought, and a line here.
FORWARDED: set[tuple[str, str]] = {
    ("events/service.py", "exc.message"),  # EventRuleError
    ("events/service.py", "message"),  # _refuse
    ("members/accounts.py", "weak"),  # password_problem
    ("members/password_reset.py", "weak"),  # password_problem
    ("members/accounts.py", "problems"),  # InvalidFields(a list of InvalidInput calls, each checked here)
    ("frontend/pages/account.py", "problems"),  # the same list, shown on the sign-up page
    ("pairing/board.py", "exc.message"),  # InvalidInput of _check_slot, re-raised with another field
    ("ideas/settings.py", "exc.message"),  # EventRuleError of a window time
    ("ticketing/companions.py", "own"),  # CompanionRefused(Rejection): reason_nl and reason_en
    ("ticketing/companions.py", "rejection"),
}
_FORMATTER = Formatter()


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def positional(template: str) -> str:
    """A table template with its placeholder names dropped: ``"Sessie {session} ..."`` -> ``"Sessie {} ..."``."""
    return "".join(_escape(literal) + ("{}" if name is not None else "")
                   for literal, name, _, _ in _FORMATTER.parse(template))


def template_of(node: ast.expr) -> str | None:
    """The template of a string literal or f-string (placeholders as ``{}``); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _escape(node.value)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(_escape(str(value.value)))
            else:
                parts.append("{}")
        return "".join(parts)
    return None


def _sources() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for folder in SOURCE_FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))
            if "piccolo_migrations" not in path.parts}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def domain_error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """DomainError and every class that (transitively) derives from it, by name."""
    names = {"DomainError"}
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in names and any(_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grown = True
    return names


def _message_argument(call: ast.Call, position: int) -> ast.expr | None:
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return next((kw.value for kw in call.keywords if kw.arg == "message"), None)


def raised_messages(trees: dict[str, ast.Module]) -> Iterator[tuple[str, int, ast.expr, bool]]:
    """(file, line, message expression, is a DomainError call) for every message that reaches a DomainError."""
    errors = domain_error_classes(trees)
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in errors:
                    position, direct = 0, True
                elif name in MESSAGE_CARRIERS:
                    position, direct = MESSAGE_CARRIERS[name], False
                else:
                    continue
                argument = _message_argument(node, position)
                if argument is not None:
                    yield path, node.lineno, argument, direct
            elif isinstance(node, ast.FunctionDef) and node.name in MESSAGE_FUNCTIONS:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        yield path, inner.lineno, inner.value, False


@pytest.fixture(scope="module")
def trees() -> dict[str, ast.Module]:
    return _sources()


def _is_lazy(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Call) and _name(expr.func) in ("_l", "lazy_gettext")


def test_the_walk_finds_the_raise_sites(trees: dict[str, ast.Module]) -> None:
    """A guard for the test itself: if the walk broke it would find nothing and pass."""
    found = [template_of(expr) for _, _, expr, _ in raised_messages(trees)]
    lazy = [expr for _, _, expr, _ in raised_messages(trees) if _is_lazy(expr)]
    assert len([t for t in found if t]) + len(lazy) > 100
    assert {"SoldOut", "CompanionRefused", "RateLimited", "NotFound"} <= domain_error_classes(trees)


def test_every_dutch_message_has_english(trees: dict[str, ast.Module]) -> None:
    table = {positional(dutch) for dutch in MESSAGES}
    missing: list[str] = []
    unchecked: list[str] = []
    for path, line, expr, direct in raised_messages(trees):
        if _is_lazy(expr):  # core.i18n: its English is in the catalogue (tests/unit/test_message_catalogue.py)
            continue
        template = template_of(expr)
        if template is None:
            if isinstance(expr, ast.Constant) and expr.value is None:  # password_problem's "acceptable"
                continue
            if direct and (path, ast.unparse(expr)) not in FORWARDED:
                unchecked.append(f"{path}:{line}: {ast.unparse(expr)}")
            continue
        if template not in table:
            missing.append(f"{path}:{line}: {template!r}")
    assert not missing, ("Dutch messages without English; add them to core/messages_en.py MESSAGES "
                         "(placeholders as {name}):\n" + "\n".join(missing))
    assert not unchecked, ("DomainError messages that are neither a literal nor a known forward (see FORWARDED "
                           "in this test):\n" + "\n".join(unchecked))


def test_the_english_table_has_no_stale_entries(trees: dict[str, ast.Module]) -> None:
    raised = {template_of(expr) for _, _, expr, _ in raised_messages(trees)}
    stale = [dutch for dutch in MESSAGES if positional(dutch) not in raised]
    assert not stale, "no service raises these any more; remove them from core/messages_en.py:\n" + "\n".join(stale)
    literals = {template_of(node) for tree in trees.values() for node in ast.walk(tree)
                if isinstance(node, ast.Constant | ast.JoinedStr)}
    stale_fragments = [dutch for dutch in FRAGMENTS if positional(dutch) not in literals]
    assert not stale_fragments, "unused FRAGMENTS in core/messages_en.py:\n" + "\n".join(stale_fragments)


@pytest.mark.parametrize("table", [MESSAGES, FRAGMENTS], ids=["messages", "fragments"])
def test_table_entries_are_well_formed(table: dict[str, str]) -> None:
    keys = [positional(dutch) for dutch in table]
    assert len(keys) == len(set(keys)), "two Dutch templates differ only in their placeholder names"
    for dutch, english_template in table.items():
        fields = template_fields(dutch)
        assert all(name.isidentifier() for name in fields), dutch
        assert len(fields) == len(set(fields)), f"repeated placeholder in {dutch!r}"
        assert set(template_fields(english_template)) == set(fields), (dutch, english_template)
        literal = "".join(part for part, _, _, _ in _FORMATTER.parse(dutch))
        assert len(literal.strip()) >= 3, f"{dutch!r} would match nearly anything"
        assert english_template.strip(), dutch
