"""The demo town's round has boxes at the lab, results, one positive pool with its recall."""

import pytest
from django.core.management import call_command

from gridguard.control.models import Alert, AlertKind
from gridguard.screening.models import HouseholdMark, Recall, RecallStatus, TransportBox, Tube, TubeStatus

pytestmark = pytest.mark.django_db


def test_the_demo_round_has_boxes_results_and_a_recall(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_demo", "--persons", "3000")
    assert "核酸转运与检测" in capsys.readouterr().out
    assert TransportBox.objects.filter(received_at__isnull=False).exists()
    assert Tube.objects.filter(result="positive", capacity__gt=1).count() == 1
    assert Tube.objects.filter(status=TubeStatus.CLOSED).exists()  # the late tubes still wait at the points
    recalls = Recall.objects.count()
    assert recalls > 1
    assert Recall.objects.filter(status=RecallStatus.NEGATIVE).count() == 1
    assert Alert.objects.filter(kind=AlertKind.RECALL, is_open=True).count() == recalls - 1
    assert HouseholdMark.objects.filter(lifted_at__isnull=True).exists()
