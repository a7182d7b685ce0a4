"""The code keeps the shape the project's ARCHITECTURE.md (at the repository root) gives it: layers import
downwards only, the pure cores import no database, web or job module, ``work.sla`` never imports the task
loop's service, and every query of a tenant-owned table goes through the scoping helper (or says, on that
line, why it need not)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "platform" / "retaguarda", ROOT / "tenants", ROOT / "staffing", ROOT / "billing"]

KERNEL = [
    "retaguarda.settings",
    "retaguarda.db",
    "retaguarda.tenancy",
    "retaguarda.auth",
    "retaguarda.errors",
    "retaguarda.i18n",
    "retaguarda.calendars",
    "retaguarda.jobs",
    "retaguarda.kernel",
    "retaguarda.wire",
    "retaguarda.mail",
    "retaguarda.audit",
    "retaguarda.row_security",
    "retaguarda",
]
# Lower number = lower layer. The longest matching prefix decides a module's layer.
LAYERS: dict[str, int] = {
    **dict.fromkeys(KERNEL, 1),
    "tenants": 2,
    "staffing": 3,
    "staffing.erlang": 3,
    "retaguarda.work": 4,
    "staffing.planning": 5,
    "billing": 5,
    "retaguarda.portal": 6,
    "retaguarda.app": 6,
    "retaguarda.cli": 6,
    "retaguarda.demo": 6,
}
# Same-layer packages that must not know each other.
INDEPENDENT = [("billing", "staffing.planning")]


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT / "platform" if "platform" in path.parts else ROOT)
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer_of(module: str) -> tuple[str, int] | None:
    best: tuple[str, int] | None = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, layer)
    return best


def _source_files() -> list[Path]:
    return [p for src in SOURCES for p in src.rglob("*.py") if "piccolo_migrations" not in p.parts]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_layers_import_downwards_only() -> None:
    violations = []
    for path in _source_files():
        module = _module_name(path)
        own = _layer_of(module)
        assert own is not None, f"{module} has no layer in this test's map"
        for imported in _imports(path):
            target = _layer_of(imported)
            if target is None:
                continue  # a library
            if target[1] > own[1]:
                violations.append(f"{module} (layer {own[1]}) imports {imported} (layer {target[1]})")
            for left, right in INDEPENDENT:
                if (own[0] == left and target[0] == right) or (own[0] == right and target[0] == left):
                    violations.append(f"{module} imports {imported}: they must stay independent")
    assert not violations, "\n".join(violations)


def test_nothing_but_the_face_reads_the_audit_log() -> None:
    """ARCHITECTURE.md: domains record into the audit log, nothing reads it but the face."""
    readers = [
        _module_name(path)
        for path in _source_files()
        if any(i.startswith("retaguarda.audit.reading") for i in _imports(path))
    ]
    assert readers, "the portal's audit pages read the log"
    assert all(_layer_of(m) == ("retaguarda.portal", 6) for m in readers), readers


def test_the_layer_check_would_catch_an_upward_import(tmp_path: Path) -> None:
    assert _layer_of("tenants.service.directory") == ("tenants", 2)
    assert _layer_of("retaguarda.db") == ("retaguarda.db", 1)
    assert _layer_of("retaguarda.portal.controllers") == ("retaguarda.portal", 6)
    bad = tmp_path / "bad.py"
    bad.write_text("from retaguarda.app import create_app\n")
    assert _imports(bad) == ["retaguarda.app"]


# ---- pure cores ----------------------------------------------------------------------------------------

# Plain functions on plain values: each core, and every first-party module it loads, imports no database, web
# or job module, so the rule it computes can be read and tested on its own.
PURE_CORES = ["retaguarda.calendars", "staffing.erlang", "billing.rating", "retaguarda.work.sla.clocks"]
IMPURE_LIBRARIES = {
    "piccolo",
    "asyncpg",
    "aiosqlite",
    "sqlite3",
    "litestar",
    "arq",
    "redis",
    "httpx",
    "stripe",
    "jinja2",
    "uvicorn",
}
IMPURE_MODULES = [
    "retaguarda.db",
    "retaguarda.tenancy",
    "retaguarda.jobs",
    "retaguarda.kernel",
    "retaguarda.problems",
    "retaguarda.controller_kit",
    "retaguarda.auth",
    "retaguarda.idempotency",
    "retaguarda.mail",
    "retaguarda.app",
    "retaguarda.portal",
]
IMPURE_FILES = {"tables", "service", "controllers", "jobs", "piccolo_app"}
FIRST_PARTY = {"retaguarda", "tenants", "staffing", "billing"}


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in _source_files()}


def _loaded_by(module: str, modules: dict[str, Path]) -> list[str]:
    """What importing ``module`` imports: each import, and the first-party parents it loads on the way."""
    found: list[str] = []
    for imported in _imports(modules[module]):
        parts = imported.split(".")
        found.extend(".".join(parts[:n]) for n in range(1, len(parts)))
        found.append(imported)
    return found


def _impurities(core: str, modules: dict[str, Path]) -> list[str]:
    todo = [m for m in modules if m == core or m.startswith(core + ".")]
    seen: set[str] = set()
    found = []
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for imported in _loaded_by(module, modules):
            first_party = imported in modules
            if first_party:
                todo.append(imported)
            impure = (
                imported.split(".")[0] in IMPURE_LIBRARIES
                or any(imported == bad or imported.startswith(bad + ".") for bad in IMPURE_MODULES)
                or (
                    imported.split(".")[0] in FIRST_PARTY
                    and bool(IMPURE_FILES & set(imported.split(".")[1:]))
                )
            )
            if impure:
                found.append(f"{core}: {module} imports {imported}")
    return found


def test_pure_cores_import_no_database_web_or_job_module() -> None:
    modules = _modules()
    for core in PURE_CORES:
        assert any(m == core or m.startswith(core + ".") for m in modules), (
            f"{core} is gone: update PURE_CORES"
        )
    violations = [line for core in PURE_CORES for line in _impurities(core, modules)]
    assert not violations, "\n".join(violations)


def test_the_purity_check_would_catch_a_core_reaching_the_database(tmp_path: Path) -> None:
    core, helper, orm = tmp_path / "core.py", tmp_path / "helper.py", tmp_path / "orm.py"
    core.write_text("from retaguarda.calendars import Calendar\nimport helper\n")
    helper.write_text("import math\n")
    orm.write_text("from piccolo.table import Table\n")
    modules = {"core": core, "helper": helper, "retaguarda.calendars": _modules()["retaguarda.calendars"]}
    assert _impurities("core", modules) == []
    helper.write_text("from retaguarda.work.tables import Task\n")  # through a helper, one step removed
    assert _impurities("core", modules) == ["core: helper imports retaguarda.work.tables"]
    helper.write_text("import orm\n")
    modules["orm"] = orm
    assert sorted(_impurities("core", modules)) == [
        "core: orm imports piccolo",
        "core: orm imports piccolo.table",
    ]


# Sibling packages of one layer where only one may import the other.
ONE_WAY = [("retaguarda.work.service", "retaguarda.work.sla")]


def test_the_task_loop_and_sla_import_each_other_one_way_only() -> None:
    for left, right in ONE_WAY:
        edges: dict[tuple[str, str], list[str]] = {(left, right): [], (right, left): []}
        for module, path in _modules().items():
            for source, target in ((left, right), (right, left)):
                if module == source or module.startswith(source + "."):
                    edges[(source, target)] += [
                        f"{module} imports {imported}"
                        for imported in _imports(path)
                        if imported == target or imported.startswith(target + ".")
                    ]
        backwards = edges[(right, left)]
        assert not backwards, f"{right} must not import {left}:\n" + "\n".join(backwards)


# ---- tenant scoping ------------------------------------------------------------------------------------

QUERY_METHODS = r"(select|objects|update|delete|count|exists|insert|raw)"
# The explicit opt-out, on the line of the query: `# scope: <why>`.
OPT_OUT = re.compile(r"#\s*scope:\s*\S")


def _tenant_owned_tables() -> list[str]:
    from piccolo.conf.apps import Finder

    names = []
    # The kernel's own tables (sessions, outbox, idempotency keys) are machinery, not tenant data.
    for table in Finder().get_table_classes(exclude_apps=["kernel"]):
        column = getattr(table, "__tenant_column__", "tenant_id")
        if column in {c._meta.name for c in table._meta.columns}:
            names.append(table.__name__)
    return names


def _unscoped_queries(text: str, tables: list[str]) -> list[str]:
    """Calls like ``Membership.select(...)`` whose lines (the whole call, however it is wrapped) carry no
    ``# scope:`` opt-out."""
    methods = set(QUERY_METHODS.strip("()").split("|"))
    lines = text.splitlines()
    tree = ast.parse(text)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in methods
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in tables
        ):
            # The whole chained statement (``await X.select(...).where(...).first()``), however it is wrapped.
            outer: ast.AST = node
            while isinstance(parents.get(outer), ast.Attribute | ast.Call | ast.Await):
                outer = parents[outer]
            first = node.lineno - 1
            # A comment line right above the statement counts too (formatters move trailing comments).
            if first > 0 and lines[first - 1].strip().startswith("#"):
                first -= 1
            span = lines[first : (getattr(outer, "end_lineno", None) or node.lineno)]
            if not any(OPT_OUT.search(line) for line in span):
                found.append(lines[node.lineno - 1].strip())
    return found


@pytest.mark.usefixtures("database")
def test_tenant_owned_queries_go_through_the_scoping_helper() -> None:
    tables = _tenant_owned_tables()
    assert {"Tenant", "Membership", "ApiKey", "BusinessCalendar", "AccountAssignment"} <= set(tables)
    offenders = []
    for path in _source_files():
        for line in _unscoped_queries(path.read_text(), tables):
            offenders.append(f"{path.relative_to(ROOT)}: {line}")
    assert not offenders, (
        "query a tenant-owned table through TenantContext (or mark `# scope: why`):\n" + "\n".join(offenders)
    )


def test_the_scoping_lint_flags_a_bare_query() -> None:
    assert _unscoped_queries("rows = await Membership.select()", ["Membership"])
    assert not _unscoped_queries("rows = await ctx.select(Membership)", ["Membership"])
    assert not _unscoped_queries(
        "rows = await Membership.select()  # scope: resolver bootstrap", ["Membership"]
    )
