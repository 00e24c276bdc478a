"""The turnaround of a round's tubes (sampled → result, against the round's target) as .xlsx. It holds
no personal data (tubes, points, times), so the lab and the screening roles may export it; it is
audited like every export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from django.utils import timezone

from gridguard.accounts.models import User
from gridguard.accounts.scope import scope_for
from gridguard.imports.exports import ExportResult, audit_export, export_filename, write_sheet
from gridguard.screening.models import ScreeningRound
from gridguard.screening.selectors.lab import Turnaround, require_read, turnaround


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value is not None else ""


def turnaround_export(*, actor: User, out: IO[bytes] | str, ip: str | None = None, rnd: ScreeningRound,
                      only_over: bool = False) -> ExportResult:
    scope = scope_for(actor)
    require_read(scope)
    table = turnaround(scope=scope, rnd=rnd, only_over=only_over, limit=10_000_000)
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("管码", 16, lambda r: r["t"].tube.code),
        ("采样点", 16, lambda r: r["t"].point_name),
        ("采样方式", 10, lambda r: r["t"].tube.get_mode_display()),
        ("采样时间", 17, lambda r: _when(r["t"].started)),
        ("检测时间", 17, lambda r: _when(r["t"].tube.tested_at)),
        ("结果", 8, lambda r: r["t"].tube.get_result_display()),
        ("检测机构", 18, lambda r: r["t"].tube.lab),
        ("用时（小时）", 12, lambda r: r["t"].hours if r["t"].hours is not None else ""),
        ("时限（小时）", 12, lambda r: table.target_hours),
        ("是否超时", 10, lambda r: "超时" if r["t"].over else ("未出结果" if r["t"].hours is None else "按时")),
    ]

    def batches() -> Iterator[list[dict[str, Turnaround]]]:
        for start in range(0, len(table.rows), 2000):
            yield [{"t": t} for t in table.rows[start : start + 2000]]

    label = f"核酸检测时效_{rnd.name}"
    result = ExportResult(0, export_filename(label), False)
    about = [("导出内容", label), ("导出时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"),
             ("导出人", actor.full_name or actor.username), ("出结果时限", f"{table.target_hours} 小时"),
             ("仅超时", "是" if only_over else "否")]
    result.rows = write_sheet(out, "时效", columns, batches(), about=about)
    audit_export(actor, "screening.tube", label, result, rnd.node, [], ip)
    return result
