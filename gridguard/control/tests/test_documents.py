from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from conftest import SCREENSHOTS, idno
from gridguard.control.documents import poster_svg, qr_svg, release_notice_pdf
from gridguard.control.models import OrderStatus
from gridguard.control.services import order_create
from gridguard.core.errors import ApplicationError
from gridguard.core.masking import mask_id_number
from gridguard.people.services import person_register

ID_NUMBER = idno(1980, 5)


@pytest.fixture
def order(town, admin_user):
    person = person_register(
        actor=admin_user, data={"name": "张三", "id_number": ID_NUMBER, "phone": "13800138000"}, node=town.a1
    )
    return order_create(actor=admin_user, person=person, category="close_contact", measure="home")


def _release(order, at: dt.datetime | None = None):
    order.status = OrderStatus.RELEASED
    order.released_at = at or timezone.now()
    order.notice_no = "JC-2022-0001"
    order.save()
    return order


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() or "" for page in reader.pages)


def test_release_notice_pdf(order, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 16:30 UTC is the next day in Asia/Shanghai: the notice prints the local date.
    released = dt.datetime(2022, 5, 9, 16, 30, tzinfo=dt.UTC)
    pdf = release_notice_pdf(_release(order, released), issuer="李四")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4
    lines = _text(pdf).splitlines()
    assert not [
        line for line in lines if line.lstrip().startswith(("，", "。"))
    ]  # no line opens with a comma
    text = re.sub(r"\s+", "", "".join(lines))
    for expected in (
        "解除隔离告知书",
        "JC-2022-0001",
        "张三",
        mask_id_number(ID_NUMBER),
        "密接",
        "居家隔离",
        "东城社区",  # the community above 东城第一网格 issues it
        "李四",
        "自2022年5月10日起解除居家隔离",
    ):
        assert expected in text, expected
    assert ID_NUMBER not in text
    assert ID_NUMBER.encode() not in pdf


def test_release_notice_place_and_blank_issuer(order):
    order.place = "城关镇集中隔离点 <A&B> 305 室"
    pdf = release_notice_pdf(_release(order))
    text = re.sub(r"\s+", "", _text(pdf))
    assert "城关镇集中隔离点<A&B>305室" in text  # markup characters are escaped, not parsed
    assert "经办人：____" in text


def test_release_notice_requires_released(order):
    with pytest.raises(ApplicationError) as exc:
        release_notice_pdf(order)
    assert exc.value.code == "not_released"
    order.status = OrderStatus.CANCELLED
    with pytest.raises(ApplicationError):
        release_notice_pdf(order)


def test_poster_svg():
    url = "https://gridguard.example.org/control/arrive/abc123/"
    svg = poster_svg(url)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    small = qr_svg(url)
    assert small.startswith("<svg") and "<?xml" not in small
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    small_size = int(re.search(r'width="(\d+)"', small).group(1))
    assert size > small_size * 1.5
    assert size >= 400  # large enough to print


def _fonts(pdf: bytes) -> list[Any]:
    """Every font of the PDF's pages with its descriptor (descendant fonts of Type0 included)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[Any] = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in (resources.get("/Font") or {}).values():
            font: Any = ref.get_object()
            found.append(font)
            for descendant in font.get("/DescendantFonts") or []:
                found.append(descendant.get_object())
    return found


def test_the_notice_embeds_a_subset_of_its_cjk_font(order):
    pdf = release_notice_pdf(_release(order))
    fonts = _fonts(pdf)
    described = [f for f in fonts if "/FontDescriptor" in f]
    assert described, "no font carries a descriptor"
    for font in described:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), font["/BaseFont"]  # a subset
    # no font is left to the viewer (reportlab's built-in CID fonts embed nothing)
    assert not [f for f in fonts if "/FontDescriptor" not in f and f.get("/Subtype") != "/Type0"]
    assert len(pdf) < 200_000  # subset: the 5 MB font file is not copied whole


def test_the_notice_prints_the_home_address_for_home_isolation_not_the_grid_path(town, admin_user):
    from gridguard.people.services import household_create

    household = household_create(actor=admin_user, node=town.a1_b1, room="301")
    person = person_register(
        actor=admin_user, household=household, data={"name": "李四", "id_number": idno(1982, 7), "relation": "户主"}
    )
    order = order_create(actor=admin_user, person=person, category="close_contact", measure="home")
    pdf = release_notice_pdf(_release(order), issuer="王网格")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "release-notice.pdf").write_bytes(pdf)  # to look at (pdftoppm -png)
    text = re.sub(r"\s+", "", _text(pdf))
    assert "1号楼301" in text
    assert "东城第一网格" not in text  # the internal grid is not a place anyone can go to


def test_the_notice_prints_the_orders_place_for_central_isolation(order, town):
    order.measure = "central"
    order.place = "城关镇隔离酒店 812 室"
    text = re.sub(r"\s+", "", _text(release_notice_pdf(_release(order))))
    assert "城关镇隔离酒店812室" in text and "东城第一网格" not in text


def test_central_isolation_without_a_place_prints_a_blank_not_the_grid(order):
    order.measure = "central"
    order.place = ""
    text = re.sub(r"\s+", "", _text(release_notice_pdf(_release(order))))
    assert "东城第一网格" not in text
    assert "隔离地点" in text
