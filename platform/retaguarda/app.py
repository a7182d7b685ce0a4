"""``create_app()``: the one composition root. Importing this module has no side effects."""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import structlog
from litestar import Litestar, get
from litestar.config.compression import CompressionConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

import retaguarda
from billing.controllers import ROUTES as BILLING_ROUTES
from retaguarda import db
from retaguarda.auth import PrincipalMiddleware
from retaguarda.controller_kit import DateTimeParamSchema
from retaguarda.errors import ServiceUnavailable
from retaguarda.jobs import InProcessRunner
from retaguarda.portal.errors import page_or_problem_handlers
from retaguarda.portal.headers import security_headers
from retaguarda.portal.rendering import STATIC_DIR, TEMPLATES_DIR
from retaguarda.portal.routes import portal_router
from retaguarda.problems import problem_responses
from retaguarda.request_guard import RequestGuard
from retaguarda.row_security import warn_unless_walled
from retaguarda.settings import Settings, get_settings
from retaguarda.work.controllers import ROUTES as WORK_ROUTES
from retaguarda.work.documents.controllers import ROUTES as DOCUMENT_ROUTES
from retaguarda.work.imports.controllers import ROUTES as CSV_IMPORT_ROUTES
from retaguarda.work.sla.controllers import ROUTES as SLA_ROUTES
from retaguarda.work.webhooks.controllers import ROUTES as WEBHOOK_ROUTES
from staffing.controllers import ROUTES as STAFFING_ROUTES
from staffing.planning.controllers import ROUTES as PLANNING_ROUTES
from tenants.controllers import ROUTES as TENANT_ROUTES
from tenants.resolver import resolve_principal

log = logging.getLogger("retaguarda.app")


def load_job_modules() -> None:
    """Register every domain's jobs (the kernel's registry is filled by these imports)."""
    import billing.jobs  # noqa: F401
    import retaguarda.work.documents.jobs
    import retaguarda.work.imports.jobs
    import retaguarda.work.jobs
    import retaguarda.work.sla.jobs
    import retaguarda.work.webhooks.jobs  # noqa: F401
    import staffing.planning.jobs  # noqa: F401
    import tenants.jobs  # noqa: F401


class Health(msgspec.Struct):
    status: str
    checks: dict[str, str] = msgspec.field(default_factory=dict)


@get("/health/live", operation_id="healthLive", tags=["Health"], include_in_schema=True)
async def health_live() -> Health:
    return Health(status="ok")


@get("/health/ready", operation_id="healthReady", tags=["Health"], responses=problem_responses())
async def health_ready() -> Health:
    checks: dict[str, str] = {}
    try:
        await db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readiness: database down: %s", exc)
        raise ServiceUnavailable("The database does not answer.") from exc
    redis_url = get_settings().jobs.redis_url
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            raise ServiceUnavailable("Redis does not answer.") from exc
        finally:
            await client.aclose()
    return Health(status="ok", checks=checks)


@asynccontextmanager
async def running_services(settings: Settings) -> AsyncIterator[InProcessRunner | None]:
    """The database pool and, in embedded mode, the in-process job runner, for the app's lifetime."""
    await db.start_database()
    await warn_unless_walled()
    runner = InProcessRunner(settings.jobs) if settings.jobs.embedded else None
    if runner is not None:
        await runner.start()
    try:
        yield runner
    finally:
        if runner is not None:
            await runner.stop()
        await db.stop_database()


# The cyclic collector's thresholds while serving (Python's defaults are 700, 10, 10). A request's garbage is
# freed by reference counting as it goes, so the young passes the default ran several times per request only
# traversed the live objects of the requests in flight again: about 8 % of the claim loop's throughput and
# 10 ms of its p99 (bench/claim.py, measured side by side).
SERVING_GC_THRESHOLDS = (20_000, 20, 20)


@functools.cache
def settle_heap_for_serving() -> None:
    """Once per process, when the app has started. First, move everything it built at start-up (1,300
    modules, the routes, the translation catalogs) out of the collector's sight: they live as long as the
    process, and without this every full collection traversed them again, 70 to 180 ms during which the
    process answered nothing (the whole of bench/claim.py's p99 then). Later garbage is collected as before,
    on SERVING_GC_THRESHOLDS. A second app in the same process (the tests start hundreds) changes nothing
    more, so what those apps leave behind is collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with running_services(settings) as runner:
            app.state.job_runner = runner
            settle_heap_for_serving()
            yield

    return lifespan


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Retaguarda API",
        version=retaguarda.__version__,
        description="Back-office outsourcing platform: tenants, identity, work, staffing, SLA and billing. "
        "Errors are application/problem+json (RFC 9457) with a stable `code`.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(type="http", scheme="bearer", description="A tenant API key."),
                "session": SecurityScheme(type="apiKey", name="rg_session", security_scheme_in="cookie"),
            }
        ),
        security=[{"apiKey": []}, {"session": []}],
    )


def configure_logging(settings: Settings) -> None:
    """Every standard-library log record (ours, uvicorn's access log, Litestar's) as one JSON line, via
    structlog's ProcessorFormatter; or human-readable lines with LOG_JSON=false."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if settings.server.log_json else structlog.dev.ConsoleRenderer()
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer,
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.format_exc_info,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.server.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    load_job_modules()
    configure_logging(settings)
    return Litestar(
        route_handlers=[
            health_live,
            health_ready,
            *TENANT_ROUTES,
            *STAFFING_ROUTES,
            *PLANNING_ROUTES,
            *WORK_ROUTES,
            *DOCUMENT_ROUTES,
            *WEBHOOK_ROUTES,
            *CSV_IMPORT_ROUTES,
            *SLA_ROUTES,
            *BILLING_ROUTES,
            portal_router(),
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        middleware=[RequestGuard(), PrincipalMiddleware(resolve_principal)],
        plugins=[DateTimeParamSchema()],
        before_send=[security_headers(https=settings.security.cookie_secure)],
        exception_handlers=page_or_problem_handlers(),
        openapi_config=_openapi(),
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        logging_config=None,
        lifespan=[_lifespan(settings)],
        debug=settings.server.debug,
    )
