"""Printable documents of key-person control: the release notice (解除隔离告知书) as an A4 PDF, and
QR codes as inline SVG for posters and personal self-report links.

The PDF embeds a subset of WenQuanYi Micro Hei (TrueType outlines, Apache-2.0), shipped by the pinned
package ``paperang-p2-fonts-cjk``: only the glyphs the notice uses go into the file (~40 KB), and every
viewer draws the same glyphs — a font left to the viewer (reportlab's built-in CID fonts) was drawn
with overlapping digits by some. Texts go through gettext; the Chinese source strings are what a
Chinese-language request prints."""

from __future__ import annotations

import datetime as dt
import functools
import io
from importlib import resources
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle, paragraph

from gridguard.control.models import ControlOrder, Measure, OrderStatus
from gridguard.core.errors import ApplicationError
from gridguard.core.masking import mask_id_number
from gridguard.grids.models import GridNode
from gridguard.people.models import Household

FONT = "WenQuanYiMicroHei"
FONT_PACKAGE, FONT_FILE = "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"  # face 0 of the collection
COMMUNITY_LEVEL = "community"
POSTER_SCALE = (
    12  # px per module: a version-4 code with its quiet zone is 41 modules = 492 px, ~13 cm printed
)
QR_ERROR = "m"
# Full-width punctuation that must not start a line. reportlab's list (ALL_CANNOT_START) lacks the
# full-width comma, semicolon, colon and marks, so a line could begin with "，".
CANNOT_START = "，；：？！"


@functools.cache
def _font() -> str:
    """Register the CID font once per process (reportlab keeps a global registry), and teach the
    CJK line breakers the missing punctuation: a character that cannot start a line then hangs at the
    end of the previous one. The list is a module global of reportlab, read at each wrap, copied
    into paragraph (frags of several styles) and used in textsplit (a paragraph of one style);
    adding to it only changes where CJK lines break."""
    with resources.as_file(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)) as path:
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))  # embedded as subsets
    for module in (textsplit, paragraph):
        missing = "".join(c for c in CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing
    return FONT


def _date(value: dt.date) -> str:
    return _("{year}年{month}月{day}日").format(year=value.year, month=value.month, day=value.day)


def _issuing_node_name(node: GridNode) -> str:
    """The community (村/社区) the node belongs to — the node itself when it is one — else the node."""
    chain = [*GridNode.objects.get_ancestors(node).select_related("level"), node]
    for candidate in reversed(chain):
        if candidate.level.code == COMMUNITY_LEVEL:
            return candidate.name
    return node.name


def _home_address(household: Household) -> str:
    """Where a household lives, as a visitor finds it: its community (村/社区), the address levels
    (compound, building, unit) and the room — not the grids, which are units of work, not places."""
    chain = [*GridNode.objects.get_ancestors(household.node).select_related("level"), household.node]
    parts = [n.name for n in chain if n.level.is_address or n.level.code == COMMUNITY_LEVEL]
    return " ".join([*parts, household.room]).strip()


def _place(order: ControlOrder) -> str:
    """The order's place (hotel and room of a central isolation); for a measure served at home, the
    home address (the order keeps the household's ledger address, grids included, by default); a
    blank to fill in by hand when neither is known."""
    place = order.place.strip()
    household = order.household or order.person.household
    at_home = order.measure != Measure.CENTRAL_ISOLATION
    if at_home and household is not None and place in ("", household.address):
        return _home_address(household)
    return place or "_" * 24


def _release_date(order: ControlOrder) -> dt.date:
    if order.released_at is None:  # not left by order_release; print the day the notice is made
        return timezone.localdate()
    return timezone.localtime(order.released_at).date()


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4
        ),
        "number": ParagraphStyle("number", parent=base, fontSize=11, alignment=TA_RIGHT, spaceAfter=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=11, leading=16),
        "label": ParagraphStyle("label", parent=base, fontSize=11, leading=16, alignment=TA_CENTER),
        "salute": ParagraphStyle("salute", parent=base, fontSize=13, leading=24),
        "body": ParagraphStyle(
            "body", parent=base, fontSize=13, leading=26, firstLineIndent=26, alignment=TA_JUSTIFY
        ),
        "sign": ParagraphStyle("sign", parent=base, fontSize=12, leading=26),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=9, leading=14, textColor=colors.HexColor("#555555")
        ),
    }


def release_notice_pdf(order: ControlOrder, *, issuer: str = "") -> bytes:
    """The 解除隔离告知书 of a released order as an A4 PDF. ``issuer``: the name printed on the
    经办人 line (left blank to sign by hand). The identity number is masked."""
    if order.status != OrderStatus.RELEASED:
        raise ApplicationError("not_released", _("该管控尚未解除，不能出具解除告知书"))
    person = order.person
    s = _styles()
    measure = order.get_measure_display()
    released = _date(_release_date(order))
    node_name = _issuing_node_name(order.node)
    title = _("解除隔离告知书")

    def p(text: str, style: str = "cell") -> Paragraph:
        return Paragraph(escape(str(text)), s[style])

    details = [
        [
            p(_("姓名"), "label"),
            p(person.name),
            p(_("证件号码"), "label"),
            p(mask_id_number(person.id_number)),
        ],
        [p(_("管控类别"), "label"), p(order.get_category_display()), p(_("管控措施"), "label"), p(measure)],
        [p(_("隔离地点"), "label"), p(_place(order)), "", ""],
        [p(_("开始日期"), "label"), p(_date(order.start_date)), p(_("解除日期"), "label"), p(released)],
    ]
    table = Table(details, colWidths=[28 * mm, 57 * mm, 28 * mm, 57 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),  # the empty cells too: no Helvetica
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("SPAN", (1, 2), (3, 2)),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ("BACKGROUND", (2, 0), (2, 1), colors.HexColor("#f0f0f0")),
                ("BACKGROUND", (2, 3), (2, 3), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    body = _(
        "经医学观察期满，核酸检测结果均为阴性，无发热等异常症状，符合解除条件，自 {date} 起解除{measure}。"
        "请继续做好个人防护与健康监测，如有发热、咳嗽等症状请及时就医并报告社区。"
    ).format(date=released, measure=measure)
    blank = "_" * 14
    signature = Table(
        [
            [p(_("出具单位（盖章）：{node}").format(node=node_name), "sign")],
            [p(_("经办人：{name}").format(name=issuer.strip() or blank), "sign")],
            [p(_("日期：{date}").format(date=released), "sign")],
        ],
        colWidths=[80 * mm],
        hAlign="RIGHT",
    )
    signature.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _font())]))
    receipt = Table(
        [[p(_("本人已收到本告知书。签收人：{blank}  日期：{blank}").format(blank=blank), "sign")]],
        colWidths=[170 * mm],
    )
    receipt.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),  # a table sets a cell's font even around a paragraph
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black, None, (3, 3)),
            ]
        )
    )

    story = [
        p(title, "title"),
        p(_("编号：{number}").format(number=order.notice_no or "—"), "number"),
        table,
        Spacer(1, 10 * mm),
        p(_("{name}：").format(name=person.name), "salute"),
        p(body, "body"),
        Spacer(1, 14 * mm),
        signature,
        Spacer(1, 18 * mm),
        receipt,
        Spacer(1, 4 * mm),
        p(_("本告知书一式两份，当事人与出具单位各执一份。"), "small"),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=title,
        subject=order.notice_no,
        author=node_name,
        creator="gridguard",
        initialFontName=_font(),  # else the canvas names Helvetica, a font left to the viewer
    )
    doc.build(story)
    return buffer.getvalue()


def qr_svg(url: str, scale: int = 6) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element (no XML declaration, no namespace), to
    embed in an HTML page with ``|safe``. Always a full QR code (never a Micro QR), error level M."""
    return segno.make(url, error=QR_ERROR, micro=False).svg_inline(scale=scale, svgclass="qr", lineclass=None)


def poster_svg(url: str) -> str:
    """The large QR code of a poster (e.g. the arrival self-report page of a node), for print."""
    return qr_svg(url, scale=POSTER_SCALE)
