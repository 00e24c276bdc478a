"""Printable documents of mass screening (A4 PDFs, Chinese, the CJK font embedded as in
control.documents): the slot notice of a grid for its board (采样时段通知), and a sheet of code
labels (核酸码标签) for a household or a building, 3 × 8 labels per page, each with the person's QR,
their masked name, their room and the code's text (for a sampler whose scanner fails).

A QR is drawn as one filled path of the code's dark modules (segno's matrix), so a label sheet stays
small and sharp at any print size, and every label's QR is its own form object (``/QR-<n>``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gridguard.control.documents import QR_ERROR, _font
from gridguard.core.masking import mask_name, mask_phone
from gridguard.grids.models import GridNode, StaffAssignment
from gridguard.screening.codes import make_code
from gridguard.screening.models import PointSlot, ScreeningRound
from gridguard.screening.selectors.rounds import CodeRow

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 36 * mm  # a 3 × 8 sheet with 4.5 mm top and bottom margins
QR_SIZE = 30 * mm


def _local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def _slot_text(slot: PointSlot) -> tuple[str, str]:
    start, end = _local(slot.starts_at), _local(slot.ends_at)
    return _("{month}月{day}日").format(month=start.month, day=start.day), f"{start:%H:%M}–{end:%H:%M}"


def _contacts(grid: GridNode) -> list[StaffAssignment]:
    from gridguard.grids.models import Duty

    return list(StaffAssignment.objects.filter(
        node=grid, until__isnull=True, duty__in=[Duty.GRID_WORKER, Duty.GRID_CHIEF, Duty.MEDIC]
    ).order_by("duty", "id")[:4])


def slot_notice_pdf(rnd: ScreeningRound, grid: GridNode, slots: Sequence[PointSlot], *, show_phone: bool) -> bytes:
    """The notice of ``grid``'s time slot(s) in ``rnd`` for the grid's board. The staff's phones are
    printed in full only when ``show_phone`` (a board is public: their work phones, as the caller
    decides by role); else masked, to be written in by hand."""
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=13, leading=22, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=24, leading=34, alignment=1, spaceAfter=6)
    sub = ParagraphStyle("sub", parent=base, fontSize=14, alignment=1, spaceAfter=10)
    cell = ParagraphStyle("cell", parent=base, fontSize=13, leading=19)
    big = ParagraphStyle("big", parent=base, fontSize=20, leading=28)
    small = ParagraphStyle("small", parent=base, fontSize=10, leading=15, textColor=colors.HexColor("#555555"))

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    rows = [[p(_("采样点")), p(_("地址")), p(_("采样时段"))]]
    for slot in slots:
        day, hours = _slot_text(slot)
        rows.append([p(slot.point.name), p(slot.point.address), [p(day), p(hours, big)]])
    table = Table(rows, colWidths=[52 * mm, 58 * mm, 60 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    contacts = _contacts(grid)
    phone = (lambda v: v) if show_phone else mask_phone
    contact_text = "、".join(f"{s.get_duty_display()} {s.name} {phone(s.phone)}".strip() for s in contacts)
    story = [
        p(_("核酸检测采样通知"), title),
        p(f"{rnd.name} · {grid.name}", sub),
        p(_("请本网格居民按以下时段到指定采样点采样，错峰排队，不聚集。"), base),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        p(_("请携带：核酸码（纸质标签或手机上的个人链接）和身份证；未带核酸码的，凭身份证现场登记。"), base),
        p(_("全程佩戴口罩，排队时保持一米间距，采样前后不吃东西、不饮水。"), base),
        Spacer(1, 4 * mm),
        p(_("卧床、行动不便、居家隔离或居家健康监测的居民，请联系网格员预约上门采样：{contacts}").format(
            contacts=contact_text or "_" * 20), base),
        Spacer(1, 8 * mm),
        p(_("{node} · {date}").format(node=grid.name, date=_local(timezone.now()).strftime("%Y-%m-%d")), small),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm, bottomMargin=18 * mm,
        title=_("核酸检测采样通知"), subject=f"{rnd.name} {grid.name}", creator="gridguard", initialFontName=font,
    )
    doc.build(story)
    return buffer.getvalue()


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR of ``text`` with its quiet zone in a ``size`` square at (x, y) (bottom left)."""
    qr = segno.make(text, error=QR_ERROR, micro=False)
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    border = 2
    module = size / (n + 2 * border)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + (border + start) * module, y + size - (border + r + 1) * module,
                          (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)


def code_labels_pdf(rows: Sequence[CodeRow], *, title: str, place: str) -> bytes:
    """A sheet of labels (3 × 8 per A4 page), one per person: QR of the code, masked name, room."""
    font = _font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=font)
    canvas.setTitle(title)
    canvas.setSubject(place)
    canvas.setCreator("gridguard")
    page_w, page_h = A4
    left = (page_w - COLUMNS * LABEL_W) / 2
    top = page_h - (page_h - ROWS * LABEL_H) / 2
    per_page = COLUMNS * ROWS
    for i, row in enumerate(rows):
        if i and i % per_page == 0:
            canvas.showPage()
        k = i % per_page
        x = left + (k % COLUMNS) * LABEL_W
        y = top - (k // COLUMNS + 1) * LABEL_H
        code = make_code(row.person_id, row.version)
        canvas.setStrokeColor(colors.HexColor("#bbbbbb"))
        canvas.setDash(1, 2)
        canvas.rect(x, y, LABEL_W, LABEL_H, stroke=1, fill=0)
        canvas.setDash()
        name = f"QR-{i + 1}"
        canvas.beginForm(name)
        _draw_qr(canvas, code, 0, 0, QR_SIZE)
        canvas.endForm()
        canvas.saveState()
        canvas.translate(x + 2 * mm, y + (LABEL_H - QR_SIZE) / 2)
        canvas.doForm(name)
        canvas.restoreState()
        tx = x + QR_SIZE + 4 * mm
        canvas.setFillColor(colors.black)
        canvas.setFont(font, 13)
        canvas.drawString(tx, y + LABEL_H - 11 * mm, mask_name(row.name))
        canvas.setFont(font, 10)
        canvas.drawString(tx, y + LABEL_H - 17 * mm, (row.room or "")[:14])
        canvas.setFont(font, 7)
        canvas.drawString(tx, y + 8 * mm, _("核酸码"))
        canvas.drawString(tx, y + 4.5 * mm, code)
    if not rows:
        canvas.setFont(font, 14)
        canvas.drawString(20 * mm, page_h - 30 * mm, _("没有在册人员"))
    canvas.save()
    return buffer.getvalue()


def code_svg(text: str) -> str:
    """The QR of ``text`` as an inline ``<svg>`` with a viewBox and no fixed size, so the page's CSS
    sizes it (large on the resident's phone, small on the person page). Error level M, never Micro."""
    return segno.make(text, error=QR_ERROR, micro=False).svg_inline(
        scale=1, omitsize=True, svgclass="qr", lineclass=None)
