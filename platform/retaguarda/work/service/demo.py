"""The work side of the demo: each client gets a queue served by the provider's pools, every template as a
task type, and a few tasks waiting. Loading twice changes nothing."""

from __future__ import annotations

from uuid import UUID

from retaguarda.tenancy import TenantContext
from retaguarda.work.schemas import QueueCreate, TaskCreate, TaskTypeFromTemplate, TaskTypeUpdate
from retaguarda.work.service import catalog, intake
from retaguarda.work.sla.schemas import PriorityTarget, SlaPolicyCreate
from retaguarda.work.sla.service import policies
from retaguarda.work.sla.tables import SlaPolicy
from retaguarda.work.tables import Task, TaskType
from retaguarda.work.templates import TEMPLATES, get_template, sample_payload
from staffing.tables import Pool

# A few waiting tasks per client, so an operator's "next task" has something to take.
# A standard back-office SLA in business minutes on the client's calendar: (first response, resolution) for
# priorities low, normal, high, urgent.
STANDARD_SLA = {1: (480, 2880), 2: (240, 960), 3: (60, 480), 4: (30, 240)}

SAMPLE_TASKS = ("ap_pay_invoice", "issue_boleto", "payroll_run", "support_ticket", "order_entry")


async def load_work_demo(ctx: TenantContext, client_ids: list[UUID]) -> None:
    # scope: the demo wires every client to the provider's pools
    pool_ids = [row["id"] for row in await Pool.select(Pool.id).order_by(Pool.name)]
    for tenant_id in client_ids:
        if await catalog.find_queue(ctx, tenant_id, "default") is None:
            await catalog.create_queue(
                ctx, QueueCreate(code="default", name="Default", pool_ids=pool_ids, tenant_id=tenant_id)
            )
        for template in TEMPLATES:
            if await catalog.find_task_type(ctx, tenant_id, template.code) is None:
                await catalog.create_task_type_from_template(
                    ctx, TaskTypeFromTemplate(template=template.code, tenant_id=tenant_id)
                )
        await _standard_sla(ctx, tenant_id)
        for number, code in enumerate(SAMPLE_TASKS, start=1):
            reference = f"DEMO-{number:03d}"
            if await ctx.exists(Task).where((Task.tenant_id == tenant_id) & (Task.external_ref == reference)):
                continue
            sample = get_template(code)
            assert sample is not None
            await intake.create_task(
                ctx,
                TaskCreate(
                    task_type=code,
                    payload=sample_payload(sample),
                    external_ref=reference,
                    tenant_id=tenant_id,
                ),
            )


async def _standard_sla(ctx: TenantContext, tenant_id: UUID) -> None:
    """The client's "Standard" SLA policy, on every task type that has none."""
    found = (
        await ctx.select(SlaPolicy, SlaPolicy.id)
        .where((SlaPolicy.tenant_id == tenant_id) & (SlaPolicy.name == "Standard"))
        .first()
    )
    if found is None:
        targets = [
            PriorityTarget(priority=p, response_minutes=r, resolution_minutes=s)
            for p, (r, s) in STANDARD_SLA.items()
        ]
        policy_id = (
            await policies.create_policy(
                ctx, SlaPolicyCreate(name="Standard", targets=targets, tenant_id=tenant_id)
            )
        ).id
    else:
        policy_id = found["id"]
    bare = await ctx.select(TaskType, TaskType.id).where(
        (TaskType.tenant_id == tenant_id) & TaskType.sla_policy_id.is_null()
    )
    for row in bare:
        await catalog.update_task_type(ctx, row["id"], TaskTypeUpdate(sla_policy_id=policy_id))
