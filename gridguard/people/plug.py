"""What the ledgers add to shared places: their rights."""

from django.utils.translation import gettext_lazy as _

from gridguard.core import plug

plug.permission("people.reveal", _("查看完整身份证号与电话"), roles=(*plug.OFFICIALS, "grid_chief", "medic"))
plug.permission("people.edit", _("维护台账"), roles=(*plug.OFFICIALS, "grid_chief", "grid_worker"))
