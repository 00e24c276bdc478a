"""The resident's own code page (no login), reached by the personal link, and the code's section on
the person page. The link is a signed token (screening.links); it stops working when the code is
reissued. Rate-limited per address like the other public pages; it shows the QR large, the code's
text and the first character of the name, nothing else."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from gridguard.accounts.scope import Scope
from gridguard.screening.codes import make_code
from gridguard.screening.links import make_link_token, read_link_token
from gridguard.screening.models import PersonCode


def _version(person_id: int) -> int:
    return PersonCode.objects.filter(person_id=person_id).values_list("version", flat=True).first() or 0


def person_link_url(person_id: int) -> str:
    return reverse("screening:my_code", args=[make_link_token(person_id, _version(person_id))])


def _get_rate(group: str, request: HttpRequest) -> str:
    return settings.PUBLIC_GET_RATE


@never_cache
@ratelimit(key="ip", rate=_get_rate, method="GET", block=True)
def my_code(request: HttpRequest, token: str) -> HttpResponse:
    from gridguard.people.models import Person, PersonStatus
    from gridguard.screening.documents import code_svg

    read = read_link_token(token)
    person = None
    if read is not None:
        person_id, version = read
        person = Person.objects.filter(pk=person_id, status=PersonStatus.ACTIVE).only("id", "name").first()
        if person is not None and _version(person_id) % 256 != version:
            person = None
    if person is None:
        return render(request, "screening/codes/public_invalid.html", status=404)
    code = make_code(person.pk, _version(person.pk))
    response = render(request, "screening/codes/public_code.html", {
        "initial": person.name[:1], "code": code, "qr": code_svg(code),
    })
    response["Referrer-Policy"] = "no-referrer"
    return response


def person_section(scope: Scope, person: Any) -> dict[str, Any] | None:
    """核酸码 on the person page: the QR, and for who may (screening.reason) the reissue button, the
    personal link and the household's label sheet."""
    from gridguard.screening.documents import code_svg

    if not (scope.has("screening.reason") or scope.has("screening.sample")):
        return None
    version = _version(person.pk)
    code = make_code(person.pk, version)
    return {"person": person, "code": code, "qr": code_svg(code), "version": version,
            "may_manage": scope.has("screening.reason")}


def person_summary(scope: Scope, person: Any) -> dict[str, Any]:
    return {"code_version": _version(person.pk)}


def household_section(scope: Scope, household: Any) -> dict[str, Any] | None:
    """核酸码 on the household page: every member's QR (a child's or an elderly parent's code is shown
    or printed by the household) and the household's label sheet."""
    from gridguard.screening.documents import code_svg
    from gridguard.screening.selectors.rounds import code_rows, household_code_persons

    if not scope.has("screening.reason"):
        return None
    rows = code_rows(household_code_persons(household))
    if not rows:
        return None
    codes = [make_code(r.person_id, r.version) for r in rows]
    return {"household": household, "members": [
        {"row": r, "code": c, "qr": code_svg(c)} for r, c in zip(rows, codes, strict=True)]}
