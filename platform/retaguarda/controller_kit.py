"""What every controller module uses: the unit-of-work dependency, page parameters, documented errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import QueryParameter
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from retaguarda.problems import problem_responses
from retaguarda.tenancy import TenantContext, provide_statement_context, provide_tenant_context
from retaguarda.wire import DateTimeParam

# A controller's `dependencies`: each handler's one unit of work, as `ctx: Ctx`.
CONTEXT = {"ctx": Provide(provide_tenant_context)}
# For handlers whose PostgreSQL writes are one atomic statement each (tenancy.statement_unit).
STATEMENT_CONTEXT = {"ctx": Provide(provide_statement_context)}
Ctx = NamedDependency[TenantContext]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size (at most 200).")]
Cursor = Annotated[str | None, QueryParameter(description="The `nextCursor` of the previous page.")]
# Lists and reads answer 422 too: a bad cursor or filter is invalid input.
READ_ERRORS = problem_responses(400, 401, 403, 404, 422)
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)
# Reads that depend on state that may not be there yet (a consumption without a contract in force).
STATEFUL_READ_ERRORS = WRITE_ERRORS


Page = TypeVar("Page")


def page(shape: Callable[..., Page], found: tuple[Sequence[Any], str | None]) -> Page:
    """A list handler's answer: its page shape (``items``, ``nextCursor``) around a list service's result."""
    items, next_cursor = found
    return shape(items=items, next_cursor=next_cursor)


class DateTimeParamSchema(OpenAPISchemaPlugin):
    """Documents :class:`DateTimeParam` as the ``date-time`` string it is."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is DateTimeParam

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)
