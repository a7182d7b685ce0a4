"""What the demo's two clients and their pools are like: queues (named in the client's language), which task
types arrive how often and when in the month, the operators who work them and their shifts, the season
ahead, the contract. Plain data, read by the loader and the history simulation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.terms import (
    ContractTerms,
    PaymentTerms,
    Retainer,
    Rounding,
    RoundingMode,
    RoundingScope,
    SlaCredit,
    Surcharges,
    Tax,
)
from retaguarda.work.fields import Choice, FieldKind, FieldSpec
from retaguarda.work.schemas import TaskTypeCreate


def flat(day: date) -> float:
    return 1.0


def month_start(day: date) -> float:
    """Payroll and the monthly close: the month's first working days."""
    return 4.0 if day.day <= 5 else 0.4


def mid_month(day: date) -> float:
    """Federal taxes (DARF) fall due around the 20th."""
    return 3.0 if 10 <= day.day <= 20 else 0.1


def vat_quarter(day: date) -> float:
    """Spain's quarterly VAT return (modelo 303) is filed from the 1st to the 20th of the month after a
    quarter (January until the 30th)."""
    last = 30 if day.month == 1 else 20
    return 5.0 if day.month in (1, 4, 7, 10) and day.day <= last else 0.05


@dataclass(frozen=True, slots=True)
class QueueScript:
    code: str
    name: str
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OperatorScript:
    email: str
    name: str
    skills: dict[str, int]
    shift_start: int
    shift_hours: int = 9
    saturdays: bool = False
    capacity: int = 2


@dataclass(frozen=True, slots=True)
class SeasonScript:
    """A season ahead: ``starts_in`` days after the load, ``days`` long, on one queue or the whole client."""

    name: str
    starts_in: int
    days: int
    uplift_percent: float
    queue: str | None
    plan_name: str


@dataclass(frozen=True, slots=True)
class ClientScript:
    slug: str
    pool: str
    daily_tasks: float
    queues: tuple[QueueScript, ...]
    mix: dict[str, tuple[float, Callable[[date], float]]]
    operators: tuple[OperatorScript, ...]  # the pool's staff, the widest skills first
    temps: tuple[OperatorScript, ...]  # reinforcements a season's plan can add
    season: SeasonScript
    contract: ContractTerms
    contract_note: str


SAO_PAULO = "São Paulo back office"
MADRID = "Madrid soporte"

# Both clients' SLA credits: resolution attainment under 95 % earns 5 % of the charges back, under 90 % 10 %.
CREDITS = [
    SlaCredit(below_percent=Decimal(95), credit_percent=Decimal(5)),
    SlaCredit(below_percent=Decimal(90), credit_percent=Decimal(10)),
]

PAO_QUENTE = ClientScript(
    slug="pao-quente",
    pool=SAO_PAULO,
    daily_tasks=195,
    queues=(
        QueueScript("default", "Geral", ("customer_record_update",)),
        QueueScript("pedidos", "Pedidos e atendimento", ("order_entry", "order_return", "support_ticket")),
        QueueScript(
            "financeiro",
            "Financeiro e cobrança",
            ("ap_pay_invoice", "ar_collect_overdue", "issue_boleto", "issue_nfse", "bank_reconciliation"),
        ),
        QueueScript(
            "fiscal-folha",
            "Fiscal e folha de pagamento",
            ("issue_darf", "payroll_run", "employee_admission", "monthly_close"),
        ),
    ),
    mix={
        "order_entry": (30, flat),
        "order_return": (5, flat),
        "support_ticket": (20, flat),
        "ap_pay_invoice": (12, flat),
        "ar_collect_overdue": (5, flat),
        "issue_boleto": (10, flat),
        "issue_nfse": (7, flat),
        "bank_reconciliation": (1.2, flat),
        "issue_darf": (1.0, mid_month),
        "payroll_run": (0.6, month_start),
        "employee_admission": (1.0, flat),
        "monthly_close": (0.3, month_start),
        "customer_record_update": (4, flat),
    },
    operators=(
        OperatorScript(
            "beatriz.lima@retaguarda.demo",
            "Beatriz Lima",
            {"orders": 4, "support": 4, "data": 3, "finance": 2},
            7,
            saturdays=True,
        ),
        OperatorScript(
            "juliana.pereira@retaguarda.demo", "Juliana Pereira", {"payroll": 4, "fiscal": 4, "finance": 3}, 9
        ),
        OperatorScript(
            "operador@retaguarda.demo",
            "Otávio Operador",
            {"fiscal": 4, "payroll": 3, "finance": 2, "orders": 3, "data": 2},
            8,
            capacity=3,
        ),
        OperatorScript(
            "rafael.costa@retaguarda.demo", "Rafael Costa", {"finance": 4, "fiscal": 3, "orders": 2}, 8
        ),
        OperatorScript(
            "thiago.almeida@retaguarda.demo",
            "Thiago Almeida",
            {"orders": 3, "support": 4, "finance": 2},
            9,
            saturdays=True,
        ),
        OperatorScript(
            "camila.rocha@retaguarda.demo",
            "Camila Rocha",
            {"finance": 3, "orders": 3, "support": 3, "data": 3},
            10,
        ),
        OperatorScript(
            "lucas.ferreira@retaguarda.demo",
            "Lucas Ferreira",
            {"support": 3, "orders": 4, "data": 2, "fiscal": 2},
            11,
        ),
    ),
    temps=(
        OperatorScript(
            "mariana.souza@retaguarda.demo", "Mariana Souza", {"orders": 3, "support": 3, "finance": 2}, 8
        ),
        OperatorScript(
            "gabriel.oliveira@retaguarda.demo",
            "Gabriel Oliveira",
            {"orders": 2, "support": 3, "finance": 3},
            8,
        ),
        OperatorScript(
            "larissa.gomes@retaguarda.demo", "Larissa Gomes", {"orders": 3, "support": 2, "data": 2}, 8
        ),
        OperatorScript(
            "vinicius.barbosa@retaguarda.demo",
            "Vinícius Barbosa",
            {"finance": 3, "fiscal": 2, "orders": 2},
            8,
        ),
        OperatorScript("patricia.melo@retaguarda.demo", "Patrícia Melo", {"orders": 3, "support": 3}, 8),
        OperatorScript(
            "eduardo.santos@retaguarda.demo", "Eduardo Santos", {"orders": 2, "support": 2, "finance": 2}, 8
        ),
        OperatorScript("renata.cardoso@retaguarda.demo", "Renata Cardoso", {"orders": 3, "support": 3}, 8),
        OperatorScript("felipe.araujo@retaguarda.demo", "Felipe Araújo", {"orders": 2, "finance": 3}, 8),
        OperatorScript("aline.teixeira@retaguarda.demo", "Aline Teixeira", {"support": 3, "data": 2}, 8),
        OperatorScript("rodrigo.moreira@retaguarda.demo", "Rodrigo Moreira", {"orders": 3, "fiscal": 2}, 8),
    ),
    season=SeasonScript(
        name="Black Friday",
        starts_in=6,
        days=5,
        uplift_percent=60,
        queue=None,
        plan_name="Reforço temporário — Black Friday",
    ),
    contract=ContractTerms(
        default_hourly_rate=Decimal("95.00"),
        rounding=Rounding(increment_minutes=6, mode=RoundingMode.UP, scope=RoundingScope.ENTRY),
        surcharges=Surcharges(weekend=Decimal("1.5"), holiday=Decimal(2), out_of_hours=Decimal("1.25")),
        retainer=Retainer(
            fee=Decimal("85000.00"), included_hours=Decimal(950), overage_rate=Decimal("110.00")
        ),
        sla_credits=CREDITS,
        tax=Tax(rate_percent=Decimal(5)),
        payment_terms=PaymentTerms(days=15),
    ),
    contract_note="Contrato de prestação de serviços de back office 2026",
)

# Spain's quarterly VAT return: a task type of the Spanish client's own, not one of the templates.
VAT_RETURN = TaskTypeCreate(
    code="vat_return",
    names={
        "en": "Quarterly VAT return (form 303)",
        "pt_BR": "Declaração trimestral de IVA (modelo 303)",
        "es": "Declaración trimestral del IVA (modelo 303)",
    },
    family="accounting_tax",
    default_priority=3,
    expected_handle_s=45 * 60,
    fields=[
        FieldSpec(
            key="nif",
            kind=FieldKind.TEXT,
            labels={"en": "Tax id (NIF)", "pt_BR": "NIF", "es": "NIF"},
            required=True,
            max_length=20,
        ),
        FieldSpec(
            key="quarter",
            kind=FieldKind.CHOICE,
            labels={"en": "Quarter", "pt_BR": "Trimestre", "es": "Trimestre"},
            required=True,
            choices=[
                Choice(value=f"q{q}", labels={"en": f"Q{q}", "pt_BR": f"{q}º trimestre", "es": f"{q}T"})
                for q in range(1, 5)
            ],
        ),
        FieldSpec(
            key="taxable_base",
            kind=FieldKind.MONEY,
            labels={"en": "Taxable base", "pt_BR": "Base tributável", "es": "Base imponible"},
            required=True,
        ),
        FieldSpec(
            key="vat_due",
            kind=FieldKind.MONEY,
            labels={"en": "VAT due", "pt_BR": "IVA devido", "es": "Cuota a ingresar"},
        ),
    ],
)

IBERICA = ClientScript(
    slug="iberica",
    pool=MADRID,
    daily_tasks=80,
    queues=(
        QueueScript("default", "General", ("customer_record_update",)),
        QueueScript(
            "pedidos", "Pedidos y atención al cliente", ("order_entry", "order_return", "support_ticket")
        ),
        QueueScript(
            "contabilidad",
            "Contabilidad e impuestos",
            (
                "ap_pay_invoice",
                "ar_collect_overdue",
                "bank_reconciliation",
                "vat_return",
                "payroll_run",
                "employee_admission",
                "monthly_close",
            ),
        ),
    ),
    mix={
        "order_entry": (28, flat),
        "order_return": (6, flat),
        "support_ticket": (18, flat),
        "ap_pay_invoice": (12, flat),
        "ar_collect_overdue": (6, flat),
        "bank_reconciliation": (1.5, flat),
        "vat_return": (0.7, vat_quarter),
        "payroll_run": (0.5, month_start),
        "employee_admission": (0.8, flat),
        "monthly_close": (0.3, month_start),
        "customer_record_update": (4, flat),
    },
    operators=(
        OperatorScript(
            "lucia.martin@retaguarda.demo",
            "Lucía Martín",
            {"orders": 4, "support": 4, "data": 3, "finance": 2},
            8,
        ),
        OperatorScript(
            "elena.ruiz@retaguarda.demo", "Elena Ruiz", {"fiscal": 4, "payroll": 4, "finance": 3}, 9
        ),
        OperatorScript(
            "pablo.sanchez@retaguarda.demo", "Pablo Sánchez", {"finance": 4, "fiscal": 4, "payroll": 3}, 8
        ),
        OperatorScript(
            "diego.navarro@retaguarda.demo",
            "Diego Navarro",
            {"orders": 3, "support": 3, "finance": 2, "data": 2},
            10,
            saturdays=True,
        ),
        OperatorScript(
            "supervisora@retaguarda.demo",
            "Sofia Supervisora",
            {"support": 5, "finance": 3, "it": 3, "training": 4, "legal": 2},
            9,
            shift_hours=8,
        ),
    ),
    temps=(
        OperatorScript(
            "sergio.ortega@retaguarda.demo", "Sergio Ortega", {"fiscal": 3, "finance": 3, "orders": 2}, 8
        ),
        OperatorScript(
            "nuria.romero@retaguarda.demo", "Nuria Romero", {"fiscal": 3, "payroll": 2, "support": 3}, 8
        ),
        OperatorScript(
            "alvaro.gil@retaguarda.demo", "Álvaro Gil", {"orders": 3, "fiscal": 2, "finance": 2}, 8
        ),
        OperatorScript("marta.serrano@retaguarda.demo", "Marta Serrano", {"fiscal": 3, "finance": 2}, 8),
        OperatorScript("ivan.molina@retaguarda.demo", "Iván Molina", {"fiscal": 2, "finance": 3}, 8),
        OperatorScript("rocio.vega@retaguarda.demo", "Rocío Vega", {"fiscal": 3, "orders": 2}, 8),
        OperatorScript("andres.campos@retaguarda.demo", "Andrés Campos", {"finance": 3, "support": 2}, 8),
    ),
    season=SeasonScript(
        name="IVA trimestral (modelo 303)",
        starts_in=4,
        days=10,
        uplift_percent=150,
        queue="contabilidad",
        plan_name="Refuerzo temporal — IVA trimestral",
    ),
    contract=ContractTerms(
        default_hourly_rate=Decimal("32.00"),
        hourly_rates=[],
        rounding=Rounding(increment_minutes=15, mode=RoundingMode.UP, scope=RoundingScope.TASK),
        surcharges=Surcharges(weekend=Decimal("1.5"), holiday=Decimal("1.75")),
        monthly_minimum=Decimal("3000.00"),
        sla_credits=CREDITS,
        tax=Tax(rate_percent=Decimal(21)),
        payment_terms=PaymentTerms(days=30),
    ),
    contract_note="Contrato de servicios de back office 2026",
)

CLIENT_SCRIPTS = (PAO_QUENTE, IBERICA)
# Rates by task type, filled in once the types exist (their ids are the client's own).
TYPE_RATES = {
    "pao-quente": {"monthly_close": Decimal("140.00"), "payroll_run": Decimal("120.00")},
    "iberica": {"monthly_close": Decimal("45.00"), "vat_return": Decimal("48.00")},
}
