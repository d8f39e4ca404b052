"""SMS providers behind one interface: SMPP 3.4, Aliyun SMS, and a file outbox for local runs."""

from __future__ import annotations

from notifications.config import NotificationsSettings
from notifications.providers.aliyun import AliyunProvider
from notifications.providers.base import ProviderListener, SmsProvider
from notifications.providers.file import FileProvider
from notifications.providers.smpp import SmppProvider


def build_provider(settings: NotificationsSettings, listener: ProviderListener) -> SmsProvider:
    """The provider the settings name."""
    if settings.provider == "smpp":
        return SmppProvider(settings, listener)
    if settings.provider == "aliyun":
        return AliyunProvider(settings)
    return FileProvider(settings)
