"""The two policy sets a town can choose from (editable data afterwards).

- seeds: the 2020 town plans (seed 000): every measure 14 days, temperatures twice a day, a test
  on the first and the last day.
- national_9: 新型冠状病毒肺炎防控方案（第九版）, 2022: 密接 7 days central isolation then 3 days home
  health monitoring (tests days 1, 2, 3, 5, 7, then day 3); 次密接 7 days home isolation (1, 4, 7);
  高风险区来返 7 days central isolation (1, 2, 3, 5, 7); 中风险区来返 7 days home isolation (1, 4, 7);
  入境 as 密接. Other categories take the measure's default.
"""

from django.db import migrations

TWICE = "06:00-12:00,12:00-20:00"

SEEDS = [
    # (category, measure, days, test days, next)
    ("", "central", 14, [1, 14], None),
    ("", "home", 14, [1, 14], None),
    ("", "home_monitoring", 14, [1, 14], None),
    ("", "daily_monitoring", 14, [], None),
]

NATIONAL_9 = [
    ("close_contact", "central", 7, [1, 2, 3, 5, 7], ("close_contact", "home_monitoring", 3, [3], None)),
    ("inbound", "central", 7, [1, 2, 3, 5, 7], ("inbound", "home_monitoring", 3, [3], None)),
    ("secondary_contact", "home", 7, [1, 4, 7], None),
    ("high_risk_arrival", "central", 7, [1, 2, 3, 5, 7], None),
    ("medium_risk_arrival", "home", 7, [1, 4, 7], None),
    ("", "central", 7, [1, 2, 3, 5, 7], None),
    ("", "home", 7, [1, 4, 7], None),
    ("", "home_monitoring", 7, [1, 7], None),
    ("", "daily_monitoring", 7, [], None),
]


def _add(Policy, policy_set, rows):
    for category, measure, days, tests, nxt in rows:
        following = None
        if nxt is not None:
            # the following stage has its own category row, reached only through next_policy
            n_category, n_measure, n_days, n_tests, _ = nxt
            following = Policy.objects.create(
                policy_set=policy_set, category=n_category, measure=n_measure, days=n_days, check_slots=TWICE,
                test_days=n_tests, note="后续阶段",
            )
        Policy.objects.create(
            policy_set=policy_set, category=category, measure=measure, days=days, check_slots=TWICE,
            test_days=tests, next_policy=following,
        )


def forwards(apps, schema_editor):
    PolicySet = apps.get_model("control", "PolicySet")
    Policy = apps.get_model("control", "Policy")
    if PolicySet.objects.exists():
        return
    seeds = PolicySet.objects.create(
        code="seeds_14d", name="14天隔离（2020年镇村方案）", is_current=False,
        description="各类措施均为14天，每天两次体温检测，首日和末日核酸检测。",
    )
    _add(Policy, seeds, SEEDS)
    national = PolicySet.objects.create(
        code="national_9", name="国家防控方案第九版（2022）", is_current=True,
        description="密接7天集中隔离+3天居家健康监测；次密接7天居家隔离；高风险区来返7天集中隔离；中风险区来返7天居家隔离。",
    )
    _add(Policy, national, NATIONAL_9)


class Migration(migrations.Migration):
    dependencies = [("control", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
