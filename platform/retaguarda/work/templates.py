"""Task-type templates for the ten back-office families a BPO provider runs for its clients.

An account manager starts a client's task types from these (and the demo loads them); each carries realistic
typed fields, the skill it usually needs, a default priority and an expected handle time. Labels ship in
English, Brazilian Portuguese and Spanish. Plain data: the service turns a template into a client's task type.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from retaguarda.work.fields import Choice, FieldKind, FieldSpec

# Priorities as tasks carry them: 1 low, 2 normal, 3 high, 4 urgent.
LOW, NORMAL, HIGH, URGENT = 1, 2, 3, 4

Texts = tuple[str, str, str]  # en, pt_BR, es


def _texts(texts: Texts) -> dict[str, str]:
    en, pt_br, es = texts
    return {"en": en, "pt_BR": pt_br, "es": es}


class TemplateFamily(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One of the ten back-office families."""

    code: str
    names: dict[str, str]


class TaskTypeTemplate(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A ready-made task type: what a client's task type is created from."""

    family: str
    family_names: dict[str, str]
    code: str
    names: dict[str, str]
    fields: list[FieldSpec]
    skill_code: str
    default_priority: int
    expected_handle_s: int


FAMILIES: Final[list[TemplateFamily]] = [
    TemplateFamily(code=code, names=_texts(names))
    for code, names in (
        ("order_management", ("Order management", "Gestão de pedidos", "Gestión de pedidos")),
        (
            "accounts_payable_receivable",
            (
                "Accounts payable and receivable",
                "Contas a pagar e a receber",
                "Cuentas por pagar y por cobrar",
            ),
        ),
        ("accounting_tax", ("Accounting and tax", "Contabilidade e fiscal", "Contabilidad e impuestos")),
        ("document_issuance", ("Document issuance", "Emissão de documentos", "Emisión de documentos")),
        ("payroll", ("Payroll", "Folha de pagamento", "Nómina")),
        ("customer_support", ("Customer support", "Atendimento ao cliente", "Atención al cliente")),
        (
            "data_upkeep",
            (
                "Data and database upkeep",
                "Manutenção de dados e cadastros",
                "Mantenimiento de datos y bases de datos",
            ),
        ),
        (
            "it_operations",
            (
                "IT infrastructure and security operations",
                "Infraestrutura de TI e operações de segurança",
                "Infraestructura de TI y operaciones de seguridad",
            ),
        ),
        ("staff_training", ("Staff training", "Treinamento de equipes", "Capacitación del personal")),
        ("legal_documents", ("Legal documents", "Documentos jurídicos", "Documentos legales")),
    )
]
_FAMILY_NAMES: Final = {family.code: family.names for family in FAMILIES}


# ---------------------------------------------------------------------------------------------------------
# Builders: fields read as one line of data each.


def _field(
    key: str,
    kind: FieldKind,
    label: Texts,
    *,
    required: bool = False,
    help: Texts | None = None,
    choices: list[Choice] | None = None,
    max_length: int | None = None,
    min: int | str | None = None,
    max: int | str | None = None,
    places: int | None = None,
) -> FieldSpec:
    return FieldSpec(
        key=key,
        kind=kind,
        labels=_texts(label),
        required=required,
        help=_texts(help) if help else {},
        choices=choices,
        max_length=max_length,
        min=min,
        max=max,
        places=places,
    )


def _choices(*options: tuple[str, Texts]) -> list[Choice]:
    return [Choice(value=value, labels=_texts(labels)) for value, labels in options]


def _template(
    family: str,
    code: str,
    name: Texts,
    fields: list[FieldSpec],
    *,
    skill: str,
    priority: int = NORMAL,
    handle_min: int,
) -> TaskTypeTemplate:
    return TaskTypeTemplate(
        family=family,
        family_names=_FAMILY_NAMES[family],
        code=code,
        names=_texts(name),
        fields=fields,
        skill_code=skill,
        default_priority=priority,
        expected_handle_s=handle_min * 60,
    )


def _notes() -> FieldSpec:
    return _field("notes", FieldKind.LONG_TEXT, ("Notes", "Observações", "Observaciones"), max_length=2000)


def _due_date(*, required: bool = True) -> FieldSpec:
    return _field(
        "due_date",
        FieldKind.DATE,
        ("Due date", "Data de vencimento", "Fecha de vencimiento"),
        required=required,
    )


def _competence_month() -> FieldSpec:
    return _field(
        "competence_month",
        FieldKind.DATE,
        ("Competence month", "Mês de competência", "Mes de competencia"),
        required=True,
        help=(
            "Any day of the month; the first is customary.",
            "Qualquer dia do mês; o usual é o dia 1º.",
            "Cualquier día del mes; lo habitual es el día 1.",
        ),
    )


def _cnpj(key: str, label: Texts, *, required: bool = True) -> FieldSpec:
    return _field(key, FieldKind.CNPJ, label, required=required)


def _amount(key: str, label: Texts, *, required: bool = True, min: str | None = "0.01") -> FieldSpec:
    return _field(key, FieldKind.MONEY, label, required=required, min=min)


def _email(key: str, label: Texts, *, required: bool = False) -> FieldSpec:
    return _field(key, FieldKind.EMAIL, label, required=required)


_CUSTOMER_CNPJ: Final[Texts] = ("Customer CNPJ", "CNPJ do cliente", "CNPJ del cliente")
_ORDER_NUMBER: Final[Texts] = ("Order number", "Número do pedido", "Número de pedido")
_INVOICE_NUMBER: Final[Texts] = ("Invoice number", "Número da nota fiscal", "Número de factura")
_CUSTOMER_EMAIL: Final[Texts] = ("Customer email", "E-mail do cliente", "Correo electrónico del cliente")


# ---------------------------------------------------------------------------------------------------------
# The templates, family by family.

_ORDERS: Final = [
    _template(
        "order_management",
        "order_entry",
        ("Enter a sales order", "Lançar um pedido de venda", "Registrar un pedido de venta"),
        [
            _cnpj("customer_cnpj", _CUSTOMER_CNPJ),
            _field("order_number", FieldKind.TEXT, _ORDER_NUMBER, required=True, max_length=40),
            _field(
                "order_date",
                FieldKind.DATE,
                ("Order date", "Data do pedido", "Fecha del pedido"),
                required=True,
            ),
            _amount("order_total", ("Order total", "Valor total do pedido", "Importe total del pedido")),
            _field(
                "items_count",
                FieldKind.INTEGER,
                ("Number of items", "Quantidade de itens", "Cantidad de artículos"),
                min=1,
            ),
            _field(
                "delivery_date",
                FieldKind.DATE,
                ("Promised delivery date", "Data de entrega prometida", "Fecha de entrega comprometida"),
            ),
            _notes(),
        ],
        skill="orders",
        handle_min=15,
    ),
    _template(
        "order_management",
        "order_return",
        (
            "Process a return or exchange",
            "Processar uma devolução ou troca",
            "Procesar una devolución o cambio",
        ),
        [
            _field("order_number", FieldKind.TEXT, _ORDER_NUMBER, required=True, max_length=40),
            _email("customer_email", _CUSTOMER_EMAIL, required=True),
            _field(
                "reason",
                FieldKind.CHOICE,
                ("Reason", "Motivo", "Motivo"),
                required=True,
                choices=_choices(
                    ("damaged", ("Damaged product", "Produto avariado", "Producto dañado")),
                    ("wrong_item", ("Wrong item shipped", "Item enviado errado", "Artículo equivocado")),
                    ("regret", ("Changed their mind", "Desistência da compra", "Desistimiento de la compra")),
                    ("other", ("Other", "Outro", "Otro")),
                ),
            ),
            _field(
                "resolution",
                FieldKind.CHOICE,
                ("Requested resolution", "Solução solicitada", "Solución solicitada"),
                choices=_choices(
                    ("refund", ("Refund", "Reembolso", "Reembolso")),
                    ("exchange", ("Exchange", "Troca", "Cambio")),
                    ("store_credit", ("Store credit", "Crédito na loja", "Crédito en tienda")),
                ),
            ),
            _amount(
                "refund_amount",
                ("Refund amount", "Valor a reembolsar", "Importe a reembolsar"),
                required=False,
                min="0",
            ),
            _field("details", FieldKind.LONG_TEXT, ("Details", "Detalhes", "Detalles"), max_length=2000),
        ],
        skill="orders",
        handle_min=20,
    ),
]

_PAYABLE_RECEIVABLE: Final = [
    _template(
        "accounts_payable_receivable",
        "ap_pay_invoice",
        ("Pay a supplier invoice", "Pagar uma fatura de fornecedor", "Pagar una factura de proveedor"),
        [
            _cnpj("supplier_cnpj", ("Supplier CNPJ", "CNPJ do fornecedor", "CNPJ del proveedor")),
            _field("invoice_number", FieldKind.TEXT, _INVOICE_NUMBER, max_length=40),
            _amount("amount", ("Amount", "Valor", "Importe")),
            _due_date(),
            _field(
                "payment_method",
                FieldKind.CHOICE,
                ("Payment method", "Forma de pagamento", "Método de pago"),
                required=True,
                choices=_choices(
                    ("boleto", ("Boleto", "Boleto", "Boleto bancario")),
                    ("pix", ("Pix", "Pix", "Pix")),
                    ("ted", ("Bank transfer (TED)", "Transferência (TED)", "Transferencia bancaria (TED)")),
                ),
            ),
            _notes(),
        ],
        skill="finance",
        handle_min=10,
    ),
    _template(
        "accounts_payable_receivable",
        "ar_collect_overdue",
        ("Collect an overdue receivable", "Cobrar um título vencido", "Cobrar una cuenta vencida"),
        [
            _cnpj("customer_cnpj", _CUSTOMER_CNPJ),
            _field("invoice_number", FieldKind.TEXT, _INVOICE_NUMBER, required=True, max_length=40),
            _amount("amount_due", ("Amount due", "Valor em aberto", "Importe adeudado")),
            _field(
                "original_due_date",
                FieldKind.DATE,
                ("Original due date", "Vencimento original", "Vencimiento original"),
                required=True,
            ),
            _email(
                "contact_email",
                ("Billing contact email", "E-mail do contato de cobrança", "Correo del contacto de cobranza"),
            ),
            _field(
                "promise_to_pay",
                FieldKind.BOOLEAN,
                (
                    "Customer promised to pay",
                    "Cliente prometeu pagamento",
                    "El cliente se comprometió a pagar",
                ),
            ),
        ],
        skill="finance",
        handle_min=15,
    ),
]

_ACCOUNTING: Final = [
    _template(
        "accounting_tax",
        "monthly_close",
        ("Close the monthly books", "Fechamento contábil mensal", "Cierre contable mensual"),
        [
            _cnpj("company_cnpj", ("Company CNPJ", "CNPJ da empresa", "CNPJ de la empresa")),
            _competence_month(),
            _field(
                "tax_regime",
                FieldKind.CHOICE,
                ("Tax regime", "Regime tributário", "Régimen tributario"),
                required=True,
                choices=_choices(
                    ("simples_nacional", ("Simples Nacional", "Simples Nacional", "Simples Nacional")),
                    (
                        "lucro_presumido",
                        (
                            "Presumed profit (Lucro Presumido)",
                            "Lucro Presumido",
                            "Lucro presunto (Lucro Presumido)",
                        ),
                    ),
                    ("lucro_real", ("Actual profit (Lucro Real)", "Lucro Real", "Lucro real (Lucro Real)")),
                ),
            ),
            _field(
                "entries_count",
                FieldKind.INTEGER,
                ("Journal entries to post", "Lançamentos a registrar", "Asientos por registrar"),
                min=0,
            ),
            _notes(),
        ],
        skill="fiscal",
        priority=HIGH,
        handle_min=240,
    ),
    _template(
        "accounting_tax",
        "bank_reconciliation",
        ("Reconcile a bank account", "Conciliar uma conta bancária", "Conciliar una cuenta bancaria"),
        [
            _field("bank_name", FieldKind.TEXT, ("Bank", "Banco", "Banco"), required=True, max_length=80),
            _field(
                "account_number",
                FieldKind.TEXT,
                ("Account number", "Número da conta", "Número de cuenta"),
                required=True,
                max_length=30,
            ),
            _field(
                "period_start",
                FieldKind.DATE,
                ("Period start", "Início do período", "Inicio del período"),
                required=True,
            ),
            _field(
                "period_end",
                FieldKind.DATE,
                ("Period end", "Fim do período", "Fin del período"),
                required=True,
            ),
            _amount(
                "statement_balance",
                ("Closing balance on the statement", "Saldo final do extrato", "Saldo final del extracto"),
                min=None,
            ),
            _field(
                "differences_found",
                FieldKind.BOOLEAN,
                ("Differences found", "Diferenças encontradas", "Se encontraron diferencias"),
            ),
        ],
        skill="finance",
        handle_min=60,
    ),
]

_TAXPAYER_HELP: Final[Texts] = (
    "Fill in the CNPJ or the CPF.",
    "Informe o CNPJ ou o CPF.",
    "Indique el CNPJ o el CPF.",
)

_DOCUMENTS: Final = [
    _template(
        "document_issuance",
        "issue_boleto",
        ("Issue a boleto", "Emitir um boleto", "Emitir un boleto bancario"),
        [
            _cnpj("payer_cnpj", ("Payer CNPJ", "CNPJ do pagador", "CNPJ del pagador")),
            _field(
                "payer_name",
                FieldKind.TEXT,
                ("Payer name", "Nome do pagador", "Nombre del pagador"),
                required=True,
                max_length=120,
            ),
            _amount("amount", ("Amount", "Valor", "Importe")),
            _due_date(),
            _field(
                "late_fee_percent",
                FieldKind.DECIMAL,
                ("Late fee (%)", "Multa por atraso (%)", "Multa por atraso (%)"),
                min="0",
                max="100",
                places=2,
            ),
            _field(
                "monthly_interest_percent",
                FieldKind.DECIMAL,
                ("Interest per month (%)", "Juros ao mês (%)", "Interés mensual (%)"),
                min="0",
                max="100",
                places=2,
            ),
            _email("payer_email", ("Payer email", "E-mail do pagador", "Correo del pagador")),
        ],
        skill="finance",
        handle_min=5,
    ),
    _template(
        "document_issuance",
        "issue_darf",
        ("Issue a DARF", "Emitir um DARF", "Emitir un DARF"),
        [
            _field(
                "taxpayer_cnpj",
                FieldKind.CNPJ,
                ("Taxpayer CNPJ", "CNPJ do contribuinte", "CNPJ del contribuyente"),
                help=_TAXPAYER_HELP,
            ),
            _field(
                "taxpayer_cpf",
                FieldKind.CPF,
                ("Taxpayer CPF", "CPF do contribuinte", "CPF del contribuyente"),
                help=_TAXPAYER_HELP,
            ),
            _field(
                "revenue_code",
                FieldKind.TEXT,
                ("Revenue code", "Código da receita", "Código de ingreso"),
                required=True,
                max_length=6,
                help=("Such as 0561 or 2089.", "Por exemplo, 0561 ou 2089.", "Por ejemplo, 0561 o 2089."),
            ),
            _field(
                "assessment_period",
                FieldKind.DATE,
                ("Assessment period", "Período de apuração", "Período de liquidación"),
                required=True,
            ),
            _due_date(),
            _amount("principal_amount", ("Principal amount", "Valor principal", "Importe principal")),
        ],
        skill="fiscal",
        priority=HIGH,
        handle_min=10,
    ),
    _template(
        "document_issuance",
        "issue_nfse",
        (
            "Issue a service invoice (NFS-e)",
            "Emitir uma nota fiscal de serviço (NFS-e)",
            "Emitir una factura de servicios (NFS-e)",
        ),
        [
            _cnpj("customer_cnpj", ("Customer CNPJ", "CNPJ do tomador", "CNPJ del tomador del servicio")),
            _field(
                "service_description",
                FieldKind.LONG_TEXT,
                ("Service description", "Discriminação dos serviços", "Descripción del servicio"),
                required=True,
                max_length=2000,
            ),
            _amount("service_amount", ("Service amount", "Valor dos serviços", "Importe del servicio")),
            _field(
                "iss_rate_percent",
                FieldKind.DECIMAL,
                ("ISS rate (%)", "Alíquota de ISS (%)", "Alícuota del ISS (%)"),
                required=True,
                min="2",
                max="5",
                places=2,
            ),
            _field(
                "service_date",
                FieldKind.DATE,
                ("Service date", "Data da prestação", "Fecha de prestación"),
                required=True,
            ),
            _email(
                "customer_email",
                (
                    "Email to send the invoice to",
                    "E-mail para envio da nota",
                    "Correo para enviar la factura",
                ),
            ),
        ],
        skill="fiscal",
        handle_min=10,
    ),
]

_PAYROLL: Final = [
    _template(
        "payroll",
        "payroll_run",
        ("Monthly payroll run", "Processamento da folha mensal", "Procesamiento de la nómina mensual"),
        [
            _competence_month(),
            _field(
                "employees_count",
                FieldKind.INTEGER,
                ("Number of employees", "Número de funcionários", "Número de empleados"),
                required=True,
                min=1,
            ),
            _field(
                "new_hire_cpf",
                FieldKind.CPF,
                ("CPF of a new hire", "CPF de um admitido no mês", "CPF de un empleado nuevo"),
                help=(
                    "Only when someone joined this month.",
                    "Somente se houve admissão no mês.",
                    "Solo si alguien ingresó este mes.",
                ),
            ),
            _field(
                "overtime_hours",
                FieldKind.DECIMAL,
                ("Overtime hours", "Horas extras", "Horas extra"),
                min="0",
                places=2,
            ),
            _field(
                "payment_date",
                FieldKind.DATE,
                ("Payment date", "Data de pagamento", "Fecha de pago"),
                required=True,
            ),
            _notes(),
        ],
        skill="payroll",
        priority=HIGH,
        handle_min=180,
    ),
    _template(
        "payroll",
        "employee_admission",
        ("Register a new hire", "Registrar uma admissão", "Registrar el ingreso de un empleado"),
        [
            _field(
                "employee_name",
                FieldKind.TEXT,
                ("Full name", "Nome completo", "Nombre completo"),
                required=True,
                max_length=120,
            ),
            _field("employee_cpf", FieldKind.CPF, ("CPF", "CPF", "CPF"), required=True),
            _email("employee_email", ("Email", "E-mail", "Correo electrónico")),
            _field(
                "start_date",
                FieldKind.DATE,
                ("Start date", "Data de admissão", "Fecha de ingreso"),
                required=True,
            ),
            _amount("monthly_salary", ("Monthly salary", "Salário mensal", "Salario mensual")),
            _field(
                "contract_type",
                FieldKind.CHOICE,
                ("Contract type", "Tipo de contrato", "Tipo de contrato"),
                required=True,
                choices=_choices(
                    ("clt", ("Employee (CLT)", "CLT", "Empleado (CLT)")),
                    ("intern", ("Intern", "Estagiário", "Pasante")),
                    ("apprentice", ("Apprentice", "Jovem aprendiz", "Aprendiz")),
                    ("temporary", ("Temporary", "Temporário", "Temporal")),
                ),
            ),
        ],
        skill="payroll",
        handle_min=45,
    ),
]

_SUPPORT: Final = [
    _template(
        "customer_support",
        "support_ticket",
        ("Answer a customer ticket", "Responder a um chamado de cliente", "Responder un ticket de cliente"),
        [
            _email("customer_email", _CUSTOMER_EMAIL, required=True),
            _field(
                "channel",
                FieldKind.CHOICE,
                ("Channel", "Canal", "Canal"),
                required=True,
                choices=_choices(
                    ("email", ("Email", "E-mail", "Correo electrónico")),
                    ("chat", ("Chat", "Chat", "Chat")),
                    ("phone", ("Phone", "Telefone", "Teléfono")),
                    ("whatsapp", ("WhatsApp", "WhatsApp", "WhatsApp")),
                ),
            ),
            _field(
                "subject", FieldKind.TEXT, ("Subject", "Assunto", "Asunto"), required=True, max_length=150
            ),
            _field("message", FieldKind.LONG_TEXT, ("Message", "Mensagem", "Mensaje"), required=True),
            _field(
                "order_number",
                FieldKind.TEXT,
                ("Related order number", "Número do pedido relacionado", "Número de pedido relacionado"),
                max_length=40,
            ),
            _field("received_at", FieldKind.DATETIME, ("Received at", "Recebido em", "Recibido el")),
        ],
        skill="support",
        handle_min=8,
    ),
]

_DATA: Final = [
    _template(
        "data_upkeep",
        "customer_record_update",
        (
            "Update customer master data",
            "Atualizar cadastro de cliente",
            "Actualizar datos maestros de cliente",
        ),
        [
            _field(
                "record_id",
                FieldKind.TEXT,
                ("Record ID", "Código do cadastro", "ID del registro"),
                required=True,
                max_length=60,
            ),
            _cnpj("customer_cnpj", _CUSTOMER_CNPJ, required=False),
            _field(
                "changes",
                FieldKind.LONG_TEXT,
                ("Changes to make", "Alterações a fazer", "Cambios a realizar"),
                required=True,
                max_length=4000,
            ),
            _field(
                "source_document",
                FieldKind.TEXT,
                ("Supporting document", "Documento comprobatório", "Documento de respaldo"),
            ),
            _field(
                "confirmed_with_customer",
                FieldKind.BOOLEAN,
                ("Confirmed with the customer", "Confirmado com o cliente", "Confirmado con el cliente"),
            ),
        ],
        skill="data",
        priority=LOW,
        handle_min=10,
    ),
    _template(
        "data_upkeep",
        "duplicate_cleanup",
        ("Clean up duplicate records", "Eliminar cadastros duplicados", "Depurar registros duplicados"),
        [
            _field(
                "dataset",
                FieldKind.TEXT,
                ("Database or table", "Base ou tabela", "Base de datos o tabla"),
                required=True,
                max_length=120,
            ),
            _field(
                "records_count",
                FieldKind.INTEGER,
                ("Records to review", "Registros a revisar", "Registros por revisar"),
                min=1,
            ),
            _field(
                "match_rule",
                FieldKind.LONG_TEXT,
                (
                    "How to tell duplicates apart",
                    "Critério para identificar duplicados",
                    "Criterio para identificar duplicados",
                ),
                max_length=2000,
            ),
            _field(
                "backup_taken",
                FieldKind.BOOLEAN,
                (
                    "Backup taken beforehand",
                    "Backup feito antes da limpeza",
                    "Respaldo realizado previamente",
                ),
                required=True,
            ),
            _field("deadline", FieldKind.DATE, ("Deadline", "Prazo", "Fecha límite")),
        ],
        skill="data",
        priority=LOW,
        handle_min=120,
    ),
]

_IT: Final = [
    _template(
        "it_operations",
        "grant_access",
        ("Grant system access", "Conceder acesso a um sistema", "Otorgar acceso a un sistema"),
        [
            _email("user_email", ("User email", "E-mail do usuário", "Correo del usuario"), required=True),
            _field(
                "system_name", FieldKind.TEXT, ("System", "Sistema", "Sistema"), required=True, max_length=80
            ),
            _field(
                "access_level",
                FieldKind.CHOICE,
                ("Access level", "Nível de acesso", "Nivel de acceso"),
                required=True,
                choices=_choices(
                    ("read", ("Read only", "Somente leitura", "Solo lectura")),
                    ("write", ("Read and write", "Leitura e escrita", "Lectura y escritura")),
                    ("admin", ("Administrator", "Administrador", "Administrador")),
                ),
            ),
            _field(
                "expires_on",
                FieldKind.DATE,
                ("Access expires on", "Acesso expira em", "El acceso vence el"),
            ),
            _field(
                "manager_approved",
                FieldKind.BOOLEAN,
                ("Approved by the manager", "Aprovado pelo gestor", "Aprobado por el responsable"),
                required=True,
            ),
            _field(
                "justification",
                FieldKind.LONG_TEXT,
                ("Justification", "Justificativa", "Justificación"),
                max_length=2000,
            ),
        ],
        skill="it",
        priority=HIGH,
        handle_min=10,
    ),
    _template(
        "it_operations",
        "patch_server",
        ("Patch a server", "Aplicar atualizações em um servidor", "Aplicar parches a un servidor"),
        [
            _field(
                "hostname",
                FieldKind.TEXT,
                ("Server hostname", "Nome do servidor (hostname)", "Nombre del servidor (hostname)"),
                required=True,
            ),
            _field(
                "environment",
                FieldKind.CHOICE,
                ("Environment", "Ambiente", "Entorno"),
                required=True,
                choices=_choices(
                    ("production", ("Production", "Produção", "Producción")),
                    ("staging", ("Staging", "Homologação", "Preproducción")),
                    ("development", ("Development", "Desenvolvimento", "Desarrollo")),
                ),
            ),
            _field(
                "patch_reference",
                FieldKind.TEXT,
                (
                    "Patch or advisory reference",
                    "Referência da atualização ou do boletim",
                    "Referencia del parche o boletín",
                ),
                max_length=120,
            ),
            _field(
                "window_start",
                FieldKind.DATETIME,
                (
                    "Maintenance window start",
                    "Início da janela de manutenção",
                    "Inicio de la ventana de mantenimiento",
                ),
                required=True,
            ),
            _field(
                "reboot_required",
                FieldKind.BOOLEAN,
                ("Reboot required", "Requer reinicialização", "Requiere reinicio"),
            ),
        ],
        skill="it",
        handle_min=60,
    ),
]

_TRAINING: Final = [
    _template(
        "staff_training",
        "training_session",
        (
            "Run a training session",
            "Ministrar uma sessão de treinamento",
            "Impartir una sesión de capacitación",
        ),
        [
            _field(
                "course_title",
                FieldKind.TEXT,
                ("Course title", "Título do curso", "Título del curso"),
                required=True,
                max_length=150,
            ),
            _field(
                "session_start",
                FieldKind.DATETIME,
                ("Session start", "Início da sessão", "Inicio de la sesión"),
                required=True,
            ),
            _field(
                "participants",
                FieldKind.INTEGER,
                ("Participants", "Participantes", "Participantes"),
                required=True,
                min=1,
                max=500,
            ),
            _field(
                "delivery_mode",
                FieldKind.CHOICE,
                ("Delivery mode", "Modalidade", "Modalidad"),
                required=True,
                choices=_choices(
                    ("in_person", ("In person", "Presencial", "Presencial")),
                    ("online", ("Online", "On-line", "En línea")),
                    ("hybrid", ("Hybrid", "Híbrido", "Híbrido")),
                ),
            ),
            _field(
                "duration_hours",
                FieldKind.DECIMAL,
                ("Duration (hours)", "Duração (horas)", "Duración (horas)"),
                min="0.5",
                max="40",
                places=1,
            ),
            _field(
                "materials",
                FieldKind.LONG_TEXT,
                ("Materials and notes", "Materiais e observações", "Materiales y observaciones"),
                max_length=4000,
            ),
        ],
        skill="training",
        handle_min=120,
    ),
    _template(
        "staff_training",
        "training_enrolment",
        (
            "Enrol an employee in a course",
            "Inscrever um colaborador em um treinamento",
            "Inscribir a un empleado en una capacitación",
        ),
        [
            _email(
                "employee_email",
                ("Employee email", "E-mail do colaborador", "Correo del empleado"),
                required=True,
            ),
            _field("employee_cpf", FieldKind.CPF, ("Employee CPF", "CPF do colaborador", "CPF del empleado")),
            _field(
                "course_title",
                FieldKind.TEXT,
                ("Course title", "Título do curso", "Título del curso"),
                required=True,
                max_length=150,
            ),
            _field("complete_by", FieldKind.DATE, ("Complete by", "Concluir até", "Completar antes del")),
            _field(
                "mandatory",
                FieldKind.BOOLEAN,
                ("Mandatory training", "Treinamento obrigatório", "Capacitación obligatoria"),
            ),
        ],
        skill="training",
        priority=LOW,
        handle_min=5,
    ),
]

_LEGAL: Final = [
    _template(
        "legal_documents",
        "contract_review",
        ("Review a contract", "Revisar um contrato", "Revisar un contrato"),
        [
            _cnpj(
                "counterparty_cnpj", ("Counterparty CNPJ", "CNPJ da contraparte", "CNPJ de la contraparte")
            ),
            _field(
                "contract_type",
                FieldKind.CHOICE,
                ("Contract type", "Tipo de contrato", "Tipo de contrato"),
                required=True,
                choices=_choices(
                    ("services", ("Services", "Prestação de serviços", "Prestación de servicios")),
                    ("supply", ("Supply", "Fornecimento", "Suministro")),
                    ("lease", ("Lease", "Locação", "Arrendamiento")),
                    (
                        "nda",
                        (
                            "Non-disclosure agreement",
                            "Acordo de confidencialidade",
                            "Acuerdo de confidencialidad",
                        ),
                    ),
                ),
            ),
            _amount(
                "contract_value",
                ("Contract value", "Valor do contrato", "Valor del contrato"),
                required=False,
                min="0",
            ),
            _field(
                "signature_deadline",
                FieldKind.DATE,
                ("Signature deadline", "Prazo para assinatura", "Plazo para la firma"),
            ),
            _field(
                "points_of_attention",
                FieldKind.LONG_TEXT,
                ("Points of attention", "Pontos de atenção", "Puntos de atención"),
                max_length=4000,
            ),
        ],
        skill="legal",
        handle_min=90,
    ),
    _template(
        "legal_documents",
        "power_of_attorney",
        ("Draft a power of attorney", "Redigir uma procuração", "Redactar un poder"),
        [
            _field(
                "grantor_cpf",
                FieldKind.CPF,
                ("Grantor CPF", "CPF do outorgante", "CPF del otorgante"),
                required=True,
            ),
            _field(
                "attorney_name",
                FieldKind.TEXT,
                ("Attorney-in-fact", "Nome do outorgado", "Nombre del apoderado"),
                required=True,
                max_length=120,
            ),
            _field(
                "attorney_cpf",
                FieldKind.CPF,
                ("Attorney-in-fact CPF", "CPF do outorgado", "CPF del apoderado"),
            ),
            _field(
                "powers",
                FieldKind.LONG_TEXT,
                ("Powers granted", "Poderes conferidos", "Facultades otorgadas"),
                required=True,
                max_length=4000,
            ),
            _field("valid_until", FieldKind.DATE, ("Valid until", "Válida até", "Válido hasta")),
            _field(
                "public_deed",
                FieldKind.BOOLEAN,
                ("By public deed (notary)", "Por instrumento público", "Otorgado ante escribano público"),
            ),
        ],
        skill="legal",
        handle_min=60,
    ),
]

TEMPLATES: Final[list[TaskTypeTemplate]] = [
    *_ORDERS,
    *_PAYABLE_RECEIVABLE,
    *_ACCOUNTING,
    *_DOCUMENTS,
    *_PAYROLL,
    *_SUPPORT,
    *_DATA,
    *_IT,
    *_TRAINING,
    *_LEGAL,
]
_BY_CODE: Final = {template.code: template for template in TEMPLATES}


def templates_by_family() -> dict[str, list[TaskTypeTemplate]]:
    """The templates grouped by family code, families in their listed order."""
    grouped: dict[str, list[TaskTypeTemplate]] = {family.code: [] for family in FAMILIES}
    for template in TEMPLATES:
        grouped[template.family].append(template)
    return grouped


def get_template(code: str) -> TaskTypeTemplate | None:
    return _BY_CODE.get(code)


def sample_payload(template: TaskTypeTemplate) -> dict[str, Any]:
    """A valid payload for the template, as a JSON client sends it (the demo's tasks, and tests)."""
    samples: dict[FieldKind, Any] = {
        FieldKind.LONG_TEXT: "Segue o extrato em anexo.\nObrigado.",
        FieldKind.DATE: "2026-12-15",
        FieldKind.DATETIME: "2026-12-15T09:00:00-03:00",
        FieldKind.BOOLEAN: True,
        FieldKind.EMAIL: "ana.souza@empresa.com.br",
        FieldKind.CPF: "529.982.247-25",
        FieldKind.CNPJ: "11.222.333/0001-81",
    }
    payload: dict[str, Any] = {}
    for field in template.fields:
        if field.kind is FieldKind.TEXT:
            value: Any = "NF-2026-0042"[: field.effective_max_length]
        elif field.kind is FieldKind.INTEGER:
            value = field.min if isinstance(field.min, int) else 3
        elif field.kind is FieldKind.DECIMAL:
            value = str(field.min) if field.min is not None else "1.5"
        elif field.kind is FieldKind.MONEY:
            value = str(field.min) if field.min not in (None, "0") else "1500.00"
        elif field.kind is FieldKind.CHOICE:
            value = (field.choices or [])[-1].value if field.choices else None
        else:
            value = samples[field.kind]
        payload[field.key] = value
    return payload
