"""Thin controllers for the work API: task types, queues, tasks, the operator's loop and time entries."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from retaguarda.auth import Role, Scope, authenticated, provider_staff, requires_role, requires_scope
from retaguarda.controller_kit import (
    CONTEXT,
    READ_ERRORS,
    STATEMENT_CONTEXT,
    WRITE_ERRORS,
    Ctx,
    Cursor,
    Limit,
    page,
)
from retaguarda.db import transaction
from retaguarda.idempotency import StoredResponse, check_key, remember, replay, request_fingerprint
from retaguarda.tenancy import owning_client
from retaguarda.wire import DateTimeParam
from retaguarda.work.documents import service as documents
from retaguarda.work.schemas import (
    AskClient,
    CommentCreate,
    CommentRead,
    CompleteTask,
    Lease,
    LeaseCall,
    QueueCreate,
    QueuePage,
    QueueRead,
    QueueUpdate,
    Reassign,
    TaskBatch,
    TaskBatchResult,
    TaskCreate,
    TaskDetail,
    TaskPage,
    TaskRefusal,
    TaskTypeCreate,
    TaskTypeFromTemplate,
    TaskTypePage,
    TaskTypeRead,
    TaskTypeUpdate,
    TimeCorrection,
    TimeEntryPage,
    TimeEntryRead,
)
from retaguarda.work.service import catalog, claims, intake, task_batches, task_reads, time
from retaguarda.work.tables import TaskStatus
from retaguarda.work.templates import TEMPLATES, TaskTypeTemplate

CATALOG_WRITERS = (Role.ADMIN, Role.ACCOUNT_MANAGER)


class TaskTypeController(Controller):
    path = "/api/v1/task-types"
    tags = ["Task types"]
    guards = [authenticated, requires_scope(Scope.TASKS_READ)]
    dependencies = CONTEXT

    @get("/templates", operation_id="listTaskTypeTemplates", responses=READ_ERRORS)
    async def templates(self) -> list[TaskTypeTemplate]:
        return list(TEMPLATES)

    @get("/", operation_id="listTaskTypes", responses=READ_ERRORS)
    async def list_types(
        self,
        ctx: Ctx,
        tenant_id: FromQuery[UUID | None] = None,
        active: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> TaskTypePage:
        return page(
            TaskTypePage,
            await catalog.list_task_types(
                ctx, tenant_id=tenant_id, active=active, cursor=cursor, limit=limit
            ),
        )

    @post(
        "/", operation_id="createTaskType", guards=[requires_role(*CATALOG_WRITERS)], responses=WRITE_ERRORS
    )
    async def create_type(self, ctx: Ctx, data: JSONBody[TaskTypeCreate]) -> TaskTypeRead:
        return await catalog.create_task_type(ctx, data)

    @post(
        "/from-template",
        operation_id="createTaskTypeFromTemplate",
        guards=[requires_role(*CATALOG_WRITERS)],
        responses=WRITE_ERRORS,
    )
    async def from_template(self, ctx: Ctx, data: JSONBody[TaskTypeFromTemplate]) -> TaskTypeRead:
        return await catalog.create_task_type_from_template(ctx, data)

    @get("/{type_id:uuid}", operation_id="getTaskType", responses=READ_ERRORS)
    async def get_type(self, ctx: Ctx, type_id: FromPath[UUID]) -> TaskTypeRead:
        return await catalog.get_task_type(ctx, type_id)

    @patch(
        "/{type_id:uuid}",
        operation_id="updateTaskType",
        guards=[requires_role(*CATALOG_WRITERS)],
        responses=WRITE_ERRORS,
    )
    async def update_type(
        self, ctx: Ctx, type_id: FromPath[UUID], data: JSONBody[TaskTypeUpdate]
    ) -> TaskTypeRead:
        return await catalog.update_task_type(ctx, type_id, data)


class QueueController(Controller):
    path = "/api/v1/queues"
    tags = ["Queues"]
    guards = [authenticated, requires_scope(Scope.TASKS_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listQueues", responses=READ_ERRORS)
    async def list_queues(
        self, ctx: Ctx, tenant_id: FromQuery[UUID | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> QueuePage:
        return page(
            QueuePage, await catalog.list_queues(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit)
        )

    @post("/", operation_id="createQueue", guards=[requires_role(*CATALOG_WRITERS)], responses=WRITE_ERRORS)
    async def create_queue(self, ctx: Ctx, data: JSONBody[QueueCreate]) -> QueueRead:
        return await catalog.create_queue(ctx, data)

    @get("/{queue_id:uuid}", operation_id="getQueue", responses=READ_ERRORS)
    async def get_queue(self, ctx: Ctx, queue_id: FromPath[UUID]) -> QueueRead:
        return await catalog.get_queue(ctx, queue_id)

    @patch(
        "/{queue_id:uuid}",
        operation_id="updateQueue",
        guards=[requires_role(*CATALOG_WRITERS)],
        responses=WRITE_ERRORS,
    )
    async def update_queue(
        self, ctx: Ctx, queue_id: FromPath[UUID], data: JSONBody[QueueUpdate]
    ) -> QueueRead:
        return await catalog.update_queue(ctx, queue_id, data)


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["Tasks"]
    guards = [authenticated]
    dependencies = CONTEXT

    @post(
        "/",
        operation_id="submitTask",
        summary="Submit a task (honours Idempotency-Key)",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        responses=WRITE_ERRORS,
        dependencies=STATEMENT_CONTEXT,
    )
    async def submit(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        data: JSONBody[TaskCreate],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
    ) -> Response[Any]:
        if idempotency_key is None and not data.file_ids:
            # On PostgreSQL the intake's one write is a single statement (STATEMENT_CONTEXT).
            return Response(await intake.create_task(ctx, data), status_code=201)
        if idempotency_key is None:
            # The task and the files it takes over commit together.
            async with transaction():
                return Response(await documents.submit_task_with_files(ctx, data), status_code=201)
        check_key(idempotency_key)
        tenant_id = owning_client(ctx, data.tenant_id)
        fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
        # The task and its key commit together or not at all.
        async with transaction():
            stored = await replay(tenant_id, idempotency_key, fingerprint)
            if stored is None:
                created = await documents.submit_task_with_files(ctx, data)
                stored = StoredResponse(201, msgspec.json.encode(created))
                await remember(tenant_id, idempotency_key, fingerprint, stored)
        return Response(
            stored.body,
            status_code=stored.status_code,
            media_type="application/json",
            headers={"Idempotency-Key": idempotency_key},
        )

    @get("/", operation_id="listTasks", guards=[requires_scope(Scope.TASKS_READ)], responses=READ_ERRORS)
    async def list_tasks(
        self,
        ctx: Ctx,
        status: FromQuery[TaskStatus | None] = None,
        queue_id: FromQuery[UUID | None] = None,
        task_type_id: FromQuery[UUID | None] = None,
        priority: Annotated[int | None, QueryParameter(ge=1, le=4, description="1 low … 4 urgent.")] = None,
        created_from: FromQuery[DateTimeParam | None] = None,
        created_to: FromQuery[DateTimeParam | None] = None,
        q: FromQuery[str | None] = None,
        tenant_id: FromQuery[UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> TaskPage:
        return page(
            TaskPage,
            await task_reads.list_tasks(
                ctx,
                status=status,
                queue_id=queue_id,
                task_type_id=task_type_id,
                priority=priority,
                created_from=created_from,
                created_to=created_to,
                text=q,
                tenant_id=tenant_id,
                cursor=cursor,
                limit=limit,
            ),
        )

    @get(
        "/{task_id:uuid}",
        operation_id="getTask",
        guards=[requires_scope(Scope.TASKS_READ)],
        responses=READ_ERRORS,
    )
    async def get_task(self, ctx: Ctx, task_id: FromPath[UUID]) -> TaskDetail:
        return await task_reads.get_task_detail(ctx, task_id)

    @post(
        "/{task_id:uuid}/comments",
        operation_id="commentOnTask",
        guards=[requires_scope(Scope.TASKS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def comment(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[CommentCreate]) -> CommentRead:
        return await documents.comment_with_files(
            ctx, task_id, data.body, data.file_ids, internal=data.internal
        )

    @post(
        "/{task_id:uuid}/reassign",
        operation_id="reassignTask",
        status_code=200,
        guards=[provider_staff, requires_role(Role.ADMIN, Role.SUPERVISOR)],
        responses=WRITE_ERRORS,
    )
    async def reassign(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[Reassign]) -> Lease | None:
        return await claims.reassign(ctx, task_id, data.operator_id)

    @post(
        "/bulk",
        operation_id="changeTasks",
        summary="Reassign, reprioritise or cancel several tasks (each on its own terms)",
        status_code=200,
        guards=[provider_staff, requires_role(Role.ADMIN, Role.SUPERVISOR)],
        responses=WRITE_ERRORS,
    )
    async def bulk(self, ctx: Ctx, data: JSONBody[TaskBatch]) -> TaskBatchResult:
        outcome = await task_batches.apply_batch(
            ctx,
            data.task_ids,
            data.action,
            operator_id=data.operator_id,
            priority=data.priority,
            reason=data.reason,
        )
        return TaskBatchResult(
            changed=outcome.changed,
            refused=[TaskRefusal(task_id=t, code=code) for t, code in outcome.refused.items()],
        )


class WorkController(Controller):
    """The operator's loop. Every call on a held task carries the fencing token of its claim."""

    path = "/api/v1/work"
    tags = ["Work"]
    # provider_staff answers 401 to an anonymous call itself; a separate `authenticated` would only cost
    # Litestar another copy of the handler per request (it copies it for each guard it runs).
    guards = [provider_staff, requires_scope(Scope.TASKS_WRITE)]
    dependencies = CONTEXT

    @post(
        "/next",
        operation_id="claimNextTask",
        summary="Claim the next task (204 when there is none)",
        status_code=200,
        responses={**WRITE_ERRORS, 204: ResponseSpec(None, description="There is no task to take now.")},
        dependencies=STATEMENT_CONTEXT,
    )
    async def claim_next(self, ctx: Ctx) -> Response[Lease | None]:
        lease = await claims.claim_next_task(ctx)
        return Response(lease, status_code=200 if lease else 204)

    @get("/held", operation_id="listHeldTasks", responses=READ_ERRORS)
    async def held(self, ctx: Ctx) -> list[Lease]:
        return await claims.held_leases(ctx)

    @post(
        "/{task_id:uuid}/heartbeat",
        operation_id="heartbeatTask",
        status_code=200,
        responses=WRITE_ERRORS,
        dependencies=STATEMENT_CONTEXT,
    )
    async def heartbeat(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[LeaseCall]) -> Lease:
        return await claims.heartbeat(ctx, task_id, data.fencing_token)

    @post(
        "/{task_id:uuid}/release",
        operation_id="releaseTask",
        status_code=204,
        responses=WRITE_ERRORS,
        dependencies=STATEMENT_CONTEXT,
    )
    async def release(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[LeaseCall]) -> None:
        await claims.release(ctx, task_id, data.fencing_token)

    @post("/{task_id:uuid}/ask-client", operation_id="askClient", status_code=204, responses=WRITE_ERRORS)
    async def ask_client(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[AskClient]) -> None:
        await claims.ask_client(ctx, task_id, data.fencing_token, data.question)

    @post(
        "/{task_id:uuid}/complete",
        operation_id="completeTask",
        status_code=204,
        responses=WRITE_ERRORS,
        dependencies=STATEMENT_CONTEXT,
    )
    async def complete(self, ctx: Ctx, task_id: FromPath[UUID], data: JSONBody[CompleteTask]) -> None:
        await claims.complete(ctx, task_id, data.fencing_token, data.resolution)


class TimeEntryController(Controller):
    path = "/api/v1/time-entries"
    tags = ["Time"]
    guards = [authenticated, requires_scope(Scope.TASKS_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listTimeEntries", responses=READ_ERRORS)
    async def list_entries(
        self,
        ctx: Ctx,
        task_id: FromQuery[UUID | None] = None,
        operator_id: FromQuery[UUID | None] = None,
        started_from: FromQuery[DateTimeParam | None] = None,
        started_to: FromQuery[DateTimeParam | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> TimeEntryPage:
        return page(
            TimeEntryPage,
            await time.list_time_entries(
                ctx,
                task_id=task_id,
                operator_id=operator_id,
                started_from=started_from,
                started_to=started_to,
                cursor=cursor,
                limit=limit,
            ),
        )

    @post(
        "/corrections",
        operation_id="correctTime",
        guards=[provider_staff, requires_role(Role.ADMIN, Role.SUPERVISOR)],
        responses=WRITE_ERRORS,
    )
    async def correct(self, ctx: Ctx, data: JSONBody[TimeCorrection]) -> TimeEntryRead:
        return await time.correct_time(ctx, data)


ROUTES = [TaskTypeController, QueueController, TaskController, WorkController, TimeEntryController]
