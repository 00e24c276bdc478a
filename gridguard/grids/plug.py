"""What grids adds to shared places: its rights."""

from django.utils.translation import gettext_lazy as _

from gridguard.core import plug

plug.permission("grids.manage_tree", _("调整网格"), roles=plug.OFFICIALS)
plug.permission("grids.manage_staff", _("分配人员"), roles=plug.OFFICIALS)
