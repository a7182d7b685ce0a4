"""Piccolo's configuration: the engine and the registry of Piccolo apps (kernel first)."""

from piccolo.conf.apps import AppRegistry

from retaguarda.db import get_engine

DB = get_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "retaguarda.kernel.piccolo_app",
        "tenants.piccolo_app",
        "staffing.piccolo_app",
        "retaguarda.work.piccolo_app",
        "retaguarda.work.documents.piccolo_app",
        "billing.piccolo_app",
        "staffing.planning.piccolo_app",
    ]
)
