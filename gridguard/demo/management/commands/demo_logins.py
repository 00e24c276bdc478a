"""python manage.py demo_logins — print the demo town's logins that exist in this database."""

from django.core.management.base import BaseCommand

from gridguard.accounts.models import User
from gridguard.demo.management.commands.generate_demo import write_logins
from gridguard.demo.town import ADMIN_PASSWORD, ADMIN_USERNAME, DEMO_PASSWORD, Login, demo_usernames


class Command(BaseCommand):
    help = "列出演示账号（用户名、密码、角色、管辖节点） / list the demo logins"

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        wanted = demo_usernames()
        users = {u.username: u for u in User.objects.filter(username__in=wanted).select_related("role")}
        logins = []
        for username in wanted:
            user = users.get(username)
            if user is None:
                continue
            nodes = " / ".join(n.name for n in user.nodes.all()) or "（全部）"
            password = ADMIN_PASSWORD if username == ADMIN_USERNAME else DEMO_PASSWORD
            logins.append(Login(username, password, user.role.name if user.role else "", nodes, user.full_name))
        if not logins:
            self.stdout.write("没有演示账号（数据库中没有演示数据）")
            return
        write_logins(self.stdout.write, logins)
