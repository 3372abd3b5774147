"""Links are built from the named routes, never typed as paths (issue 13).

Templates use Litestar's ``url_for('route_name', param=value)`` (the app's ``route_reverse``: a path) and
``asset_url(...)`` for static files; page code uses ``common.path_for(request, name, ...)``. A path typed into a
template or a page module keeps working until the route moves, and then breaks silently: these scans fail on one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from frontend.assets import TEMPLATE_DIR

PAGES_DIR = Path(__file__).resolve().parents[3] / "frontend" / "pages"

# Attributes that hold a URL (htmx's included), and a path typed into one: "/x…", or "{{ … }}/x…" (a named route's
# path with more path glued on).
URL_ATTRIBUTE = re.compile(
    r"""\b(?P<attr>href|action|formaction|src|value|hx-(?:get|post|put|patch|delete)|data-[\w-]+)="""
    r"""(?P<quote>["'])(?P<value>.*?)(?P=quote)""", re.S)
TYPED_PATH = re.compile(r"^/(?!/)|\}\}/[\w-]")
# A string literal inside {{ … }} or {% … %} that starts a path: "/e/" ~ slug.
JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
PATH_LITERAL = re.compile(r"""(?P<quote>["'])/(?!/)[\w-][^"'\s]*(?P=quote)""")
COMMENT = re.compile(r"\{#.*?#\}", re.S)


def template_findings() -> list[str]:
    found = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))
        name = path.relative_to(TEMPLATE_DIR)
        for match in URL_ATTRIBUTE.finditer(text):
            if TYPED_PATH.search(match.group("value")):
                found.append(f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)[:100]}")
        for block in JINJA_BLOCK.finditer(text):
            for literal in PATH_LITERAL.finditer(block.group(0)):
                line = text.count("\n", 0, block.start() + literal.start()) + 1
                found.append(f"{name}:{line}: {literal.group(0)} in {block.group(0)[:80]}")
    return found


def test_templates_build_links_from_named_routes() -> None:
    found = template_findings()
    assert not found, ("a path typed into a template: use url_for('route_name', ...) (every page route has a "
                       "name=), asset_url(...) for static files:\n" + "\n".join(found))


def test_the_scan_finds_a_typed_path(tmp_path: Path) -> None:
    """A guard for the scan itself, on the shapes it must catch."""
    samples = ['<a href="/e/{{ slug }}">', '<form action="/inloggen" method="post">',
               '{{ ui.button("x", href="/e/" ~ slug) }}', '<a href="{{ url_for(\'my_tickets\') }}/plek">',
               "<div hx-get='/organiseren/rij-weg'>"]
    fine = ['<a href="{{ url_for(\'event_page\', slug=slug) }}#groepen">', '<a href="#main">',
            '<link href="{{ asset_url(\'css/app.css\') }}">', '{{ "?thema=" ~ theme }}', '<a href="https://x.nl/a">']
    for sample in samples:
        attribute = URL_ATTRIBUTE.search(sample)
        typed = bool(attribute and TYPED_PATH.search(attribute["value"]))
        assert typed or any(PATH_LITERAL.search(b.group(0)) for b in JINJA_BLOCK.finditer(sample)), sample
    for sample in fine:
        attribute = URL_ATTRIBUTE.search(sample)
        assert not (attribute and TYPED_PATH.search(attribute["value"])), sample
        assert not any(PATH_LITERAL.search(b.group(0)) for b in JINJA_BLOCK.finditer(sample)), sample


# Paths in page code that are not links to our pages (an assignment or a function of that name), with why.
NOT_LINKS = {
    "NON_PAGE_PREFIXES": "errors.py: the path prefixes whose errors stay problem+json, matched against the "
                         "request's path (the API, the schema, feeds, static files)",
    "is_page_request": "errors.py: the same match, for the bare /api",
    "stripe_js_url": "tickets.py: Stripe.js's path on Stripe's server (or the local Stripe-compatible one), not ours",
}


def _route_paths(tree: ast.Module) -> set[int]:
    """ids of the string constants that declare routes (decorator arguments and a controller's ``path``) or are
    not links (``NOT_LINKS``)."""
    declared: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in NOT_LINKS:
            declared.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in NOT_LINKS for t in targets) and node.value is not None:
                declared.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Constant))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                declared.update(id(n) for n in ast.walk(decorator) if isinstance(n, ast.Constant))
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "path"
                                                        for t in item.targets):
                    declared.update(id(n) for n in ast.walk(item.value) if isinstance(n, ast.Constant))
    return declared


def test_page_code_builds_links_from_named_routes() -> None:
    """No path literal in page code outside the route declarations: ``path_for(request, name, ...)``."""
    found = []
    for path in sorted(PAGES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = _route_paths(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in declared
                    and re.match(r"/[a-z]", node.value)):
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert not found, "a path typed into page code: use common.path_for(request, name, ...):\n" + "\n".join(found)
