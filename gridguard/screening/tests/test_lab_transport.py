import pytest

from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.screening.models import TransportBox, Tube, TubeStatus
from gridguard.screening.selectors.lab import tubes_unpacked, tubes_waiting
from gridguard.screening.services.scans import scans_submit
from gridguard.screening.services.transport import box_pack, box_receive, tube_codes_parse
from gridguard.screening.tests.conftest import at, code, item
from gridguard.screening.tests.lab_support import fill, make_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(town):
    return make_lab(town)


def pack(sampler, point, codes, box="BOX-001", now=None):
    return box_pack(actor=sampler, point=point, code=box, courier="张师傅", lab="一院检验科", tube_codes=codes,
                    now=now or at(11))


def test_closed_tubes_are_packed_into_a_box(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:10])
    fill(sampler, rnd, point, "P0000002", residents.east[10:12])
    box = pack(sampler, point, ["p0000001", "P0000002"])
    assert set(Tube.objects.filter(box=box).values_list("code", flat=True)) == {"P0000001", "P0000002"}
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.PACKED}
    assert (box.courier, box.lab, box.round_id) == ("张师傅", "一院检验科", rnd.pk)


def test_packing_is_all_or_nothing_and_names_every_wrong_tube(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:10])
    scans_submit(actor=sampler, rnd=rnd, point=point, items=[item("P0000003", code(residents.east[10]))], now=at(10))
    fill(sampler, rnd, point, "P0000004", residents.east[11:12])
    pack(sampler, point, ["P0000004"], box="BOX-000")
    with pytest.raises(ApplicationError) as exc:
        pack(sampler, point, ["P0000001", "P0000003", "P0000004", "NOSUCH01", "P0000001"])
    wrong = {w["code"]: w["reason"] for w in exc.value.extra["tubes"]}
    assert wrong == {"P0000003": "未封管", "P0000004": "已装箱", "NOSUCH01": "本轮次没有此管", "P0000001": "重复扫描"}
    assert Tube.objects.get(code="P0000001").status == TubeStatus.CLOSED  # nothing packed
    assert TransportBox.objects.count() == 1


def test_a_box_code_is_used_once_per_round_and_fields_are_named(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:1])
    fill(sampler, rnd, point, "P0000002", residents.east[1:2])
    pack(sampler, point, ["P0000001"])
    with pytest.raises(ApplicationError) as exc:
        pack(sampler, point, ["P0000002"])
    assert exc.value.code == "box_exists"
    with pytest.raises(ApplicationError) as exc:
        box_pack(actor=sampler, point=point, code="", courier="=cmd()", tube_codes=[], now=at(11))
    fields = {e.field for e in exc.value.errors}  # type: ignore[attr-defined]
    assert fields == {"code", "courier", "tubes"}


def test_tubes_waiting_more_than_an_hour_are_listed(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:1], now=at(9))
    fill(sampler, rnd, point, "P0000002", residents.east[1:2], now=at(10, 30))
    assert [w.tube.code for w in tubes_unpacked(point=point, now=at(10, 40))] == ["P0000001", "P0000002"]
    assert [w.tube.code for w in tubes_waiting(point=point, now=at(10, 40))] == ["P0000001"]
    pack(sampler, point, ["P0000001"], now=at(10, 45))
    assert [w.tube.code for w in tubes_waiting(point=point, now=at(12))] == ["P0000002"]


def test_a_lab_receives_a_box_once(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "P0000001", residents.east[:2])
    box = pack(sampler, point, ["P0000001"])
    received = box_receive(actor=lab, box=box, now=at(12))
    assert received.received_at == at(12) and received.received_by == lab
    assert Tube.objects.get(code="P0000001").status == TubeStatus.RECEIVED
    again = box_receive(actor=lab, box=box, now=at(13))
    assert again.received_at == at(12)


def test_a_sampler_cannot_receive_and_another_grid_cannot_pack(sampler, rnd, point, residents, charlie):
    fill(sampler, rnd, point, "P0000001", residents.east[:2])
    box = pack(sampler, point, ["P0000001"])
    with pytest.raises(PermissionDenied):
        box_receive(actor=sampler, box=box)
    with pytest.raises((PermissionDenied, NotFound)):
        pack(charlie, point, ["P0000001"], box="BOX-002")


def test_tube_codes_are_read_from_lines_spaces_and_commas():
    assert tube_codes_parse("p1\nP2, p3，P4 ") == ["P1", "P2", "P3", "P4"]
