"""What the audit log records: the action codes (stable, stored) and their labels (translated when shown)."""

from __future__ import annotations

from enum import StrEnum

from retaguarda.i18n import N_


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    # A failed sign-in: nobody is signed in; the email typed is the label.
    ANONYMOUS = "anonymous"


class AuditAction(StrEnum):
    SIGNED_IN = "auth.signed_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    SIGN_IN_REFUSED = "auth.sign_in_refused"
    MEMBER_ADDED = "member.added"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    ACCOUNT_ASSIGNED = "account.assigned"
    ACCOUNT_UNASSIGNED = "account.unassigned"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_CHANGED = "webhook.changed"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"  # noqa: S105 - an action's name, not a secret
    TIME_CORRECTED = "time.corrected"
    PLAN_APPROVED = "plan.approved"
    PLAN_APPLIED = "plan.applied"
    INVOICE_FINALIZED = "invoice.finalized"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_ADJUSTED = "invoice.adjusted"
    INVOICE_ADJUSTMENT_REMOVED = "invoice.adjustment_removed"
    INVOICE_CREDITED = "invoice.credited"
    CLIENT_CREATED = "tenant.created"
    TENANT_SETTINGS_CHANGED = "tenant.settings_changed"


ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.SIGNED_IN: N_("Signed in"),
    AuditAction.SIGN_IN_FAILED: N_("Sign-in failed"),
    AuditAction.SIGN_IN_REFUSED: N_("Sign-in refused after too many failures"),
    AuditAction.MEMBER_ADDED: N_("Member added"),
    AuditAction.MEMBER_ROLE_CHANGED: N_("Member's role changed"),
    AuditAction.MEMBER_REMOVED: N_("Member removed"),
    AuditAction.ACCOUNT_ASSIGNED: N_("Client assigned to an account manager"),
    AuditAction.ACCOUNT_UNASSIGNED: N_("Client unassigned from an account manager"),
    AuditAction.API_KEY_CREATED: N_("API key created"),
    AuditAction.API_KEY_REVOKED: N_("API key revoked"),
    AuditAction.WEBHOOK_CREATED: N_("Webhook endpoint created"),
    AuditAction.WEBHOOK_CHANGED: N_("Webhook endpoint changed"),
    AuditAction.WEBHOOK_DELETED: N_("Webhook endpoint deleted"),
    AuditAction.WEBHOOK_SECRET_ROTATED: N_("Webhook signing secret rotated"),
    AuditAction.TIME_CORRECTED: N_("Time corrected"),
    AuditAction.PLAN_APPROVED: N_("Staffing plan approved"),
    AuditAction.PLAN_APPLIED: N_("Staffing plan applied"),
    AuditAction.INVOICE_FINALIZED: N_("Invoice finalized"),
    AuditAction.INVOICE_VOIDED: N_("Invoice voided"),
    AuditAction.INVOICE_ADJUSTED: N_("Invoice adjusted"),
    AuditAction.INVOICE_ADJUSTMENT_REMOVED: N_("Invoice adjustment removed"),
    AuditAction.INVOICE_CREDITED: N_("Credit note issued"),
    AuditAction.CLIENT_CREATED: N_("Client created"),
    AuditAction.TENANT_SETTINGS_CHANGED: N_("Company settings changed"),
}

ACTOR_LABELS: dict[ActorKind, str] = {
    ActorKind.USER: N_("User"),
    ActorKind.API_KEY: N_("API key"),
    ActorKind.SYSTEM: N_("System"),
    ActorKind.ANONYMOUS: N_("Not signed in"),
}

# What an action was done to (``Target.kind``).
TARGET_LABELS: dict[str, str] = {
    "tenant": N_("Company"),
    "user": N_("User"),
    "api_key": N_("API key"),
    "webhook_endpoint": N_("Webhook endpoint"),
    "task": N_("Task"),
    "scaling_plan": N_("Staffing plan"),
    "invoice": N_("Invoice"),
}
