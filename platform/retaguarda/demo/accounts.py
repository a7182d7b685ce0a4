"""The demo's accounts: a provider, a Brazilian client (pt_BR, BRL, São Paulo) and a Spanish one (es, EUR,
Madrid), and one user for each role. Loading twice changes nothing."""

from __future__ import annotations

from contextlib import suppress
from uuid import uuid4

from retaguarda import db
from retaguarda.app import load_job_modules
from retaguarda.auth import Role, TenantKind
from retaguarda.errors import Conflict
from retaguarda.tenancy import system_context
from staffing.service.demo import load_roster_demo
from tenants.schemas import AssignmentCreate, MemberCreate, TenantCreate
from tenants.service import directory
from tenants.tables import Tenant, User

DEMO_PASSWORD = "retaguarda-demo"  # noqa: S105 - printed on purpose: demo data only

PROVIDER_SLUG = "retaguarda"
CLIENTS = [
    TenantCreate(
        slug="pao-quente",
        name="Padaria Pão Quente Ltda.",
        locale="pt_BR",
        currency="BRL",
        timezone="America/Sao_Paulo",
        holiday_country="BR",
        holiday_subdivision="SP",
    ),
    TenantCreate(
        slug="iberica",
        name="Distribuciones Ibéricas S.L.",
        locale="es",
        currency="EUR",
        timezone="Europe/Madrid",
        holiday_country="ES",
        holiday_subdivision="MD",
    ),
]
USERS = [
    ("admin@retaguarda.demo", "Ana Admin", PROVIDER_SLUG, Role.ADMIN),
    ("gestor@retaguarda.demo", "Gustavo Gestor", PROVIDER_SLUG, Role.ACCOUNT_MANAGER),
    ("supervisora@retaguarda.demo", "Sofia Supervisora", PROVIDER_SLUG, Role.SUPERVISOR),
    ("operador@retaguarda.demo", "Otávio Operador", PROVIDER_SLUG, Role.OPERATOR),
    ("dono@paoquente.demo", "Paulo Dono", "pao-quente", Role.CLIENT_ADMIN),
    ("caixa@paoquente.demo", "Carla Caixa", "pao-quente", Role.CLIENT_MEMBER),
    ("directora@iberica.demo", "Inés Directora", "iberica", Role.CLIENT_ADMIN),
    ("agente@iberica.demo", "Javier Agente", "iberica", Role.CLIENT_MEMBER),
]


async def ensure_provider(name: str = "Retaguarda BPO", slug: str = PROVIDER_SLUG) -> Tenant:
    provider = await system_context().objects(Tenant).where(Tenant.kind == TenantKind.PROVIDER.value).first()
    if provider is None:
        provider = Tenant(
            id=uuid4(),
            kind=TenantKind.PROVIDER.value,
            slug=slug,
            name=name,
            locale="pt_BR",
            timezone="America/Sao_Paulo",
            currency="BRL",
        )
        await provider.save()
    return provider


async def add_user(tenant_slug: str, email: str, display_name: str, role: str, password: str) -> None:
    load_job_modules()
    async with db.transaction():
        await ensure_provider()
        tenant = await system_context().objects(Tenant).where(Tenant.slug == tenant_slug).first()
        if tenant is None:
            raise LookupError(f"no tenant with slug {tenant_slug!r}")
        member = MemberCreate(email=email, display_name=display_name, role=Role(role), password=password)
        with suppress(Conflict):  # already a member: loading twice changes nothing
            await directory.add_member(system_context(), tenant.id, member)


async def load_accounts() -> list[tuple[str, str, str]]:
    """The tenants, the people of each role and the provider's roster; the accounts, to print."""
    load_job_modules()
    ctx = system_context()
    async with db.transaction():
        await ensure_provider()
        for new_client in CLIENTS:
            if not await ctx.exists(Tenant).where(Tenant.slug == new_client.slug):
                await directory.create_client(ctx, new_client)
    for email, name, slug, role in USERS:
        await add_user(slug, email, name, role.value, DEMO_PASSWORD)
    async with db.transaction():
        manager = await User.objects().where(User.email == "gestor@retaguarda.demo").first()
        client = await ctx.objects(Tenant).where(Tenant.slug == "pao-quente").first()
        if manager and client:
            with suppress(Conflict):  # already assigned
                await directory.assign_account(
                    ctx, AssignmentCreate(tenant_id=client.id, manager_id=manager.id)
                )
    async with db.transaction():
        provider = await ensure_provider()
        await load_roster_demo(ctx, provider.id)
    return [(email, role.value, slug) for email, _, slug, role in USERS]
