"""What import/export adds to shared places: its rights."""

from django.utils.translation import gettext_lazy as _

from gridguard.core import plug

plug.permission("imports.import", _("导入"), roles=(*plug.OFFICIALS, "grid_chief"))
plug.permission("imports.export", _("导出"), roles=(*plug.OFFICIALS, "grid_chief"))
