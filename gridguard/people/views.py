from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridguard.accounts.scope import Scope, current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.core.counting import bounded_count
from gridguard.core.errors import ApplicationError
from gridguard.core.forms import form_page, or_404, safe_next, to
from gridguard.core.masking import MASK_BY_FIELD
from gridguard.grids import selectors as grid_selectors
from gridguard.people import selectors, services
from gridguard.people.filters import (
    household_filters,
    int_param,
    node_param,
    organization_filters,
    person_filters,
)
from gridguard.people.forms import DeathForm, HouseholdForm, MoveForm, OrganizationForm, PersonForm
from gridguard.people.models import (
    Household,
    Organization,
    OrganizationKind,
    Person,
    PersonStatus,
    Residency,
    Tag,
)


@login_required
def persons(request: HttpRequest) -> HttpResponse:
    """The persons list; its search box searches as the user types (htmx swaps #person-results). A
    refused search (a bad filter, too many full-number look-ups) is shown in place of the results."""
    scope = scope_for(request.user)
    filters = person_filters(request.GET, current_user(request))
    context: dict[str, Any] = {
        "filters": filters,
        "node": filters["node"],
        "tags": list(Tag.objects.all()),
        "residencies": Residency.choices,
        "statuses": PersonStatus.choices,
    }
    try:
        context["page"] = selectors.person_page(scope=scope, cursor=request.GET.get("cursor") or None, **filters)
        context["total"] = bounded_count(selectors.person_filtered(scope, Person.objects.all(), **filters))
    except ApplicationError as exc:
        context["error"] = exc.message
        htmx = bool(request.headers.get("HX-Request"))  # htmx swaps only a 2xx answer
        return render(request, "people/persons.html", context, status=200 if htmx else exc.status)
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "people/_person_rows.html", context)
    return render(request, "people/persons.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = or_404(selectors.person_get, scope=scope, pk=pk)
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "events": selectors.person_events(person, reveal=scope.has("people.reveal")),
            "tags": list(Tag.objects.all()),
            "sections": selectors.person_sections(scope, person),
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = or_404(selectors.person_get, scope=scope, pk=pk)
    try:
        values = services.person_reveal(actor=current_user(request), person=person, ip=client_ip(request))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status)
    return render(request, "people/_revealed.html", values)


def _editor(request: HttpRequest) -> Scope:
    """The scope of a user whose role keeps the ledger; any other gets the 403 page, on GET too
    (a form shows the record's values)."""
    return services.editor_scope(current_user(request))


def _secret_fields(
    scope: Scope, initial: dict[str, Any], fields: tuple[str, ...]
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]]:
    """An edit form's initial values for the user's role, and what turns its cleaned data into the
    service's. A role that may not reveal sees the numbers and phones masked (as everywhere); a
    masked value sent back unchanged keeps the ledger's value, a new value typed in full replaces
    it. The stored values never reach the form: a form shown again with errors shows what was sent."""
    if scope.has("people.reveal"):
        return initial, lambda data: data
    masked = {f: MASK_BY_FIELD[f](initial[f]) if initial[f] else "" for f in fields}

    def unmask(data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        for f in fields:
            if masked[f] and str(data.get(f, "")).strip() == masked[f]:
                data[f] = initial[f]
        return data

    return {**initial, **masked}, unmask


def _ledger_form(request: HttpRequest, form, title: str, run, done, back: str = "", message=None):  # type: ignore[no-untyped-def]
    return form_page(
        request,
        form,
        template="people/form.html",
        run=run,
        done=done,
        context={"title": title, "back": back},
        message=message,
    )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    scope = _editor(request)
    household_id = int_param(request.GET.get("household"))
    household = or_404(selectors.household_get, scope=scope, pk=household_id) if household_id else None
    node = None if household else node_param(request)
    if household is None and node is None:
        messages.error(request, _("请从住户或网格页面登记人员"))
        return redirect("people:households")
    birth = request.GET.get("birth") == "1"
    form = PersonForm(
        request.POST or None, initial={"relation": "other" if household and household.head_id else "head"}
    )
    place = household.address if household else node.name  # type: ignore[union-attr]
    title = (_("登记出生：{place}") if birth else _("登记人员：{place}")).format(place=place)
    return _ledger_form(
        request,
        form,
        title,
        lambda data: services.person_register(
            actor=current_user(request), data=data, household=household, node=node, birth=birth
        ),
        to("people:person"),
        back=safe_next(request, request.META.get("HTTP_REFERER"), ""),
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _editor(request)
    person = or_404(selectors.person_get, scope=scope, pk=pk)
    initial, unmask = _secret_fields(scope, {
        "name": person.name,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "phone": person.phone,
        "relation": person.relation,
        "residency": person.residency,
        "tags": [t.bit for t in Tag.objects.all() if person.tags & (1 << t.bit)],
        "is_party_member": person.is_party_member,
        "employer": person.employer,
        "note": person.note,
    }, ("id_number", "phone"))
    form = PersonForm(request.POST or None, initial=initial)
    return _ledger_form(
        request,
        form,
        _("修改：{name}").format(name=person.name),
        lambda data: services.person_update(actor=current_user(request), person=person, data=unmask(data)),
        to("people:person"),
        back=f"/people/persons/{person.pk}/",
    )


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _editor(request)
    person = or_404(selectors.person_get, scope=scope, pk=pk)

    def run(d: dict) -> Any:
        household = selectors.household_get(scope=scope, pk=d["household"]) if d["household"] else None
        return services.person_move(
            actor=current_user(request),
            person=person,
            household=household,
            date=d["date"],
            relation=d["relation"] or None,
            note=d["note"],
        )

    return _ledger_form(
        request,
        MoveForm(request.POST or None),
        _("迁入/迁出：{name}").format(name=person.name),
        run,
        to("people:person"),
        message=_("已记录变动"),
    )


@login_required
def person_death(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _editor(request)
    person = or_404(selectors.person_get, scope=scope, pk=pk)
    return _ledger_form(
        request,
        DeathForm(request.POST or None),
        _("登记死亡：{name}").format(name=person.name),
        lambda d: services.person_death(actor=current_user(request), person=person, **d),
        to("people:person"),
        message=_("已记录死亡"),
    )


@login_required
def households(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = household_filters(request.GET, current_user(request))
    try:
        page = selectors.household_page(scope=scope, cursor=request.GET.get("cursor") or None, **filters)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("people:households")
    total = bounded_count(selectors.household_filtered(scope, Household.objects.all(), **filters))
    return render(request, "people/households.html", {"page": page, "node": filters["node"], "total": total})


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    household = or_404(selectors.household_get, scope=scope, pk=pk)
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "members": selectors.household_members(household),
            "events": household.events.select_related("actor")[:30],
            "tags": list(Tag.objects.all()),
            "sections": selectors.household_sections(scope, household),
        },
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    _editor(request)
    node = node_param(request)
    if node is None:
        messages.error(request, _("请先在网格页面选择楼栋或网格"))
        return redirect("grids:tree")
    return _ledger_form(
        request,
        HouseholdForm(request.POST or None),
        _("登记住户：{name}").format(name=node.name),
        lambda d: services.household_create(actor=current_user(request), node=node, **d),
        to("people:household"),
        message=_("已登记住户"),
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _editor(request)
    household = or_404(selectors.household_get, scope=scope, pk=pk)
    initial, unmask = _secret_fields(
        scope, {f: getattr(household, f) for f in ("room", "is_rental", "landlord_name", "landlord_phone")},
        ("landlord_phone",),
    )
    return _ledger_form(
        request,
        HouseholdForm(request.POST or None, initial=initial),
        _("修改住户：{address}").format(address=household.address),
        lambda d: services.household_update(actor=current_user(request), household=household, data=unmask(d)),
        to("people:household"),
    )


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = organization_filters(request.GET, current_user(request))
    node = filters["node"]
    try:
        page = selectors.organization_page(scope=scope, cursor=request.GET.get("cursor") or None, **filters)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("people:organizations")
    total = bounded_count(selectors.organization_filtered(scope, Organization.objects.all(), **filters))
    # "登记单位/场所" without a node chosen asks for one, the user's own node first.
    add_nodes = grid_selectors.unit_choices(scope=scope) if node is None and scope.has("people.edit") else []
    return render(
        request,
        "people/organizations.html",
        {"page": page, "node": node, "kinds": OrganizationKind.choices, "total": total, "add_nodes": add_nodes},
    )


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = or_404(selectors.organization_get, scope=scope_for(request.user), pk=pk)
    return render(request, "people/organization.html", {"org": org})


@login_required
def organization_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = _editor(request)
    org = or_404(selectors.organization_get, scope=scope, pk=pk) if pk else None
    node = org.node if org else node_param(request)
    if node is None:
        messages.error(request, _("请先选择所属网格"))
        return redirect("grids:tree")
    initial: dict[str, Any] = {}
    unmask: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d  # noqa: E731
    if org is not None:
        initial, unmask = _secret_fields(
            scope, {f: getattr(org, f) for f in OrganizationForm.base_fields}, ("contact_phone",)
        )
    actor = current_user(request)

    def run(d: dict) -> Any:
        if org is not None:
            return services.organization_update(actor=actor, organization=org, data=unmask(d))
        return services.organization_create(actor=actor, node=node, data=d)

    title = (
        _("修改：{name}").format(name=org.name) if org else _("登记单位/场所：{name}").format(name=node.name)
    )
    return _ledger_form(
        request,
        OrganizationForm(request.POST or None, initial=initial),
        title,
        run,
        to("people:organization"),
    )
