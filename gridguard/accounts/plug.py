"""What accounts adds to shared places: its rights."""

from django.utils.translation import gettext_lazy as _

from gridguard.core import plug

plug.permission("accounts.audit", _("查阅审计日志"), roles=plug.OFFICIALS)
