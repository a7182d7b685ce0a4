"""Retaguarda: the platform a BPO provider runs its clients on."""

__version__ = "0.1.0"
