from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_permissions(sender, using="default", **kwargs):  # type: ignore[no-untyped-def]
    # Like Django's own permissions (contrib.auth creates them after migrate): rights that an app
    # declares for the first time are granted to their default roles, once.
    from gridguard.accounts.services import permissions_sync

    permissions_sync(using=using)


class AccountsConfig(AppConfig):
    name = "gridguard.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        post_migrate.connect(_sync_permissions, sender=self, dispatch_uid="gridguard.accounts.permissions_sync")
