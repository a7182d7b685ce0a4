"""The demo's words, in each client's own language: queue names, task titles, the questions operators ask and
the answers clients give, and plausible field values (company names, banks, people). Data a client typed,
so it is not translated by gettext: it is written once, in the language its author speaks."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from retaguarda.work.fields import FieldKind, FieldSpec

# Company names a client's tasks mention (its customers and suppliers).
COMPANIES = {
    "pt_BR": [
        "Supermercado Boa Vista",
        "Moinho Paulista Ltda.",
        "Café Jardim Europa",
        "Laticínios Serra Azul",
        "Mercadinho Vila Mariana",
        "Hotel Paulista Plaza",
        "Distribuidora Tietê",
        "Embalagens Ipiranga",
        "Restaurante Sabor Mineiro",
        "Açúcar Guarani S.A.",
    ],
    "es": [
        "Hostelería Castilla S.L.",
        "Cafés del Retiro",
        "Supermercados La Mancha",
        "Transportes Henares",
        "Harinas del Tajo S.A.",
        "Bodegas Ribera Alta",
        "Hotel Gran Vía Madrid",
        "Embalajes Levante",
        "Restaurante El Fogón",
        "Lácteos Guadarrama",
    ],
}
PEOPLE = {
    "pt_BR": ["Ana Souza", "Bruno Martins", "Carla Nunes", "Diego Ramos", "Fernanda Dias", "João Pires"],
    "es": ["Carmen López", "Javier Moreno", "Laura Jiménez", "Miguel Torres", "Sara Vidal", "Raúl Castro"],
}
BANKS = {
    "pt_BR": ["Banco do Brasil", "Itaú", "Bradesco", "Caixa", "Santander"],
    "es": ["CaixaBank", "BBVA", "Banco Santander", "Bankinter", "Banco Sabadell"],
}
DOMAINS = {"pt_BR": "empresa.com.br", "es": "empresa.es"}
NOTES = {
    "pt_BR": ["Urgente para o fechamento.", "Conferir com o financeiro.", "Documentos no e-mail.", ""],
    "es": ["Urgente para el cierre.", "Revisar con administración.", "Documentación por correo.", ""],
}

# Titles per task type: a format with {company}, {number}, {person}, {month}, {bank}.
TITLES: dict[str, dict[str, str]] = {
    "pt_BR": {
        "order_entry": "Pedido {number} — {company}",
        "order_return": "Troca do pedido {number} — {company}",
        "support_ticket": "Chamado {number}: {company}",
        "ap_pay_invoice": "Pagar NF {number} — {company}",
        "ar_collect_overdue": "Cobrar título {number} — {company}",
        "issue_boleto": "Boleto {number} para {company}",
        "issue_nfse": "NFS-e {number} para {company}",
        "bank_reconciliation": "Conciliação {bank} — {month}",
        "issue_darf": "DARF {month} — {number}",
        "payroll_run": "Folha de {month} — unidade {number}",
        "employee_admission": "Admissão de {person}",
        "monthly_close": "Fechamento contábil de {month}",
        "customer_record_update": "Atualizar cadastro — {company}",
    },
    "es": {
        "order_entry": "Pedido {number} — {company}",
        "order_return": "Devolución del pedido {number} — {company}",
        "support_ticket": "Incidencia {number}: {company}",
        "ap_pay_invoice": "Pagar factura {number} — {company}",
        "ar_collect_overdue": "Reclamar factura {number} — {company}",
        "bank_reconciliation": "Conciliación {bank} — {month}",
        "payroll_run": "Nómina de {month} — centro {number}",
        "employee_admission": "Alta de {person}",
        "monthly_close": "Cierre contable de {month}",
        "customer_record_update": "Actualizar ficha — {company}",
        "vat_return": "IVA {quarter} — modelo 303 ({number})",
    },
}
MONTHS = {
    "pt_BR": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
QUESTIONS = {
    "pt_BR": [
        "O valor da nota não confere com o pedido. Podem confirmar o valor correto?",
        "Falta o comprovante anexo. Podem enviar?",
        "Qual centro de custo devemos usar?",
        "O CNPJ informado está inativo na Receita. Há outro?",
        "Confirmam a data de vencimento?",
    ],
    "es": [
        "El importe de la factura no coincide con el pedido. ¿Pueden confirmar el importe correcto?",
        "Falta el justificante adjunto. ¿Pueden enviarlo?",
        "¿Qué centro de coste debemos usar?",
        "¿Confirman la fecha de vencimiento?",
        "El NIF indicado no aparece en el censo. ¿Tienen otro?",
    ],
}
ANSWERS = {
    "pt_BR": [
        "Confirmado, pode seguir.",
        "Enviado por e-mail agora.",
        "Use o centro 200.",
        "Correto, obrigado.",
    ],
    "es": [
        "Confirmado, pueden seguir.",
        "Enviado por correo ahora.",
        "Usen el centro 200.",
        "Correcto, gracias.",
    ],
}
CORRECTIONS = {
    "pt_BR": "Operador esqueceu a tarefa aberta durante o almoço",
    "es": "El operador dejó la tarea abierta durante la comida",
}


def month_name(locale: str, day: date) -> str:
    return f"{MONTHS[locale].split()[day.month - 1]}/{day.year}"


def quarter_of(day: date) -> str:
    """The VAT quarter being filed: the one before the filing month."""
    previous = day.replace(day=1) - timedelta(days=1)
    return f"{(previous.month - 1) // 3 + 1}T {previous.year}"


def title_for(code: str, locale: str, rng: random.Random, day: date, number: int) -> str:
    template = TITLES[locale].get(code)
    if template is None:
        return ""
    return template.format(
        company=rng.choice(COMPANIES[locale]),
        number=number,
        person=rng.choice(PEOPLE[locale]),
        month=month_name(locale, day.replace(day=1) - timedelta(days=1)),
        bank=rng.choice(BANKS[locale]),
        quarter=quarter_of(day),
    )[:300]


def _cnpj(rng: random.Random) -> str:
    """A CNPJ with valid check digits (branch 0001)."""
    digits = [rng.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        rest = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    text = "".join(map(str, digits))
    return f"{text[:2]}.{text[2:5]}.{text[5:8]}/{text[8:12]}-{text[12:]}"


def _cpf(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(9)]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=False))
        digits.append((total * 10 % 11) % 10)
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def _bound(value: Any, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _text(spec: FieldSpec, locale: str, rng: random.Random, number: int) -> str:
    key = spec.key
    if "bank" in key:
        value = rng.choice(BANKS[locale])
    elif "name" in key or "person" in key or "employee" in key:
        value = rng.choice(PEOPLE[locale])
    elif "company" in key or "supplier" in key or "customer" in key:
        value = rng.choice(COMPANIES[locale])
    else:
        value = f"{number}"
    return value[: spec.effective_max_length]


def field_value(  # noqa: PLR0911 - one answer per kind of field
    spec: FieldSpec, locale: str, rng: random.Random, day: date, number: int
) -> Any:
    """A plausible value for one field of a task sent on ``day``, as a client's JSON would carry it."""
    kind = spec.kind
    if kind is FieldKind.TEXT:
        return _text(spec, locale, rng, number)
    if kind is FieldKind.LONG_TEXT:
        return rng.choice([n for n in NOTES[locale] if n or not spec.required]) or None
    if kind is FieldKind.INTEGER:
        low = int(_bound(spec.min, 1))
        return rng.randint(low, int(_bound(spec.max, low + 40)))
    if kind is FieldKind.DECIMAL:
        return f"{rng.uniform(_bound(spec.min, 1), _bound(spec.max, 100)):.1f}"
    if kind is FieldKind.MONEY:
        return f"{max(_bound(spec.min, 1), round(rng.lognormvariate(7, 1.1), 2)):.2f}"
    if kind is FieldKind.DATE:
        return (day + timedelta(days=rng.randint(-5, 20))).isoformat()
    if kind is FieldKind.DATETIME:
        return f"{(day + timedelta(days=rng.randint(1, 10))).isoformat()}T10:00:00Z"
    if kind is FieldKind.BOOLEAN:
        return rng.random() < 0.3
    if kind is FieldKind.CHOICE:
        return rng.choice(spec.choices or []).value if spec.choices else None
    if kind is FieldKind.EMAIL:
        first, last = rng.choice(PEOPLE[locale]).lower().split()[:2]
        plain = first.translate(str.maketrans("áéíóúãõçâê", "aeiouaocae"))
        return f"{plain}.{last.translate(str.maketrans('áéíóúãõçâê', 'aeiouaocae'))}@{DOMAINS[locale]}"
    if kind is FieldKind.CPF:
        return _cpf(rng)
    return _cnpj(rng)


def payload_for(
    fields: list[FieldSpec], locale: str, rng: random.Random, day: date, number: int
) -> dict[str, Any]:
    """Every required field, and most optional ones."""
    payload = {}
    for spec in fields:
        if spec.required or rng.random() < 0.7:
            value = field_value(spec, locale, rng, day, number)
            if value is not None:
                payload[spec.key] = value
    return payload
