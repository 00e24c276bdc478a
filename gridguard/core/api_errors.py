"""The API's own errors (bad input, missing credentials) answered like ``ApplicationError``: JSON with a
``code`` and a Chinese-first ``message`` naming the field, translated with gettext when answered.

django-ninja raises these itself, before any view runs: ``ninja.errors.ValidationError`` (422, the
input does not fit the schema) and ``ninja.errors.HttpError`` (401 no credentials, 403 CSRF, 400 a
body that is not JSON). Its default answers are English (``{"detail": "Field required"}``).

A 422 answer::

    {"code": "invalid", "message": "请求数据有误：字段“name”必填", "field": "name",
     "errors": [{"field": "name", "message": "字段“name”必填", "type": "missing",
                 "loc": ["body", "payload", "name"], "msg": "Field required"}]}

``type``, ``loc``, ``msg`` and ``ctx`` are pydantic's, for programs; ``field`` is the field's path
in the submitted data (``tags.0``), ``message`` is for people.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import Annotated, Any

import pydantic
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import HttpError, ValidationError, ValidationErrorContext

from gridguard.core.errors import ApplicationError, NotFound

# An id in a request: a whole number a database key can hold, so that a list of ids reaches no query
# with 10**25 in it (SQLite cannot bind it, PostgreSQL refuses it) but is a 422 naming the field.
Id = Annotated[int, pydantic.Field(ge=1, le=2**63 - 1)]


class Unauthenticated(ApplicationError):
    """No credentials the API accepts, or a device token that is wrong or revoked."""

    status = 401

    def __init__(self, message: str | None = None, *, code: str = "unauthenticated", **kw: Any):
        super().__init__(code, message or _unauthenticated_message(), **kw)


class CsrfFailed(ApplicationError):
    """A browser session sent an unsafe request (POST, PATCH…) without a valid CSRF token."""

    status = 403

    def __init__(self, message: str | None = None, **kw: Any):
        if message is None:
            message = _("CSRF 校验失败：请刷新页面后重试（浏览器会话的写操作须带 X-CSRFToken 请求头）")
        super().__init__("csrf_failed", message, **kw)


def _unauthenticated_message() -> str:
    return _("需要登录：请先登录，或在请求头中携带设备令牌（Authorization: Bearer gg_…）")


# --- 422: input that does not fit the schema ---------------------------------------------------------

# pydantic error type -> message; %(field)s is a noun phrase naming the field (字段“name”), the other
# placeholders are the error's ctx (min_length, gt, expected…), %(msg)s is pydantic's English text.
MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("%(field)s必填"),
    "int_parsing": gettext_lazy("%(field)s须为整数"),
    "int_type": gettext_lazy("%(field)s须为整数"),
    "int_from_float": gettext_lazy("%(field)s须为整数，不能带小数"),
    "float_parsing": gettext_lazy("%(field)s须为数字"),
    "float_type": gettext_lazy("%(field)s须为数字"),
    "decimal_parsing": gettext_lazy("%(field)s须为数字"),
    "decimal_type": gettext_lazy("%(field)s须为数字"),
    "finite_number": gettext_lazy("%(field)s须为有限的数字"),
    "bool_parsing": gettext_lazy("%(field)s须为布尔值（true 或 false）"),
    "bool_type": gettext_lazy("%(field)s须为布尔值（true 或 false）"),
    "string_type": gettext_lazy("%(field)s须为文本"),
    "string_too_short": gettext_lazy("%(field)s至少 %(min_length)s 个字符"),
    "string_too_long": gettext_lazy("%(field)s不能超过 %(max_length)s 个字符"),
    "string_pattern_mismatch": gettext_lazy("%(field)s格式不正确"),
    "too_short": gettext_lazy("%(field)s至少需要 %(min_length)s 项"),
    "too_long": gettext_lazy("%(field)s最多 %(max_length)s 项"),
    "greater_than": gettext_lazy("%(field)s须大于 %(gt)s"),
    "greater_than_equal": gettext_lazy("%(field)s须大于或等于 %(ge)s"),
    "less_than": gettext_lazy("%(field)s须小于 %(lt)s"),
    "less_than_equal": gettext_lazy("%(field)s须小于或等于 %(le)s"),
    "multiple_of": gettext_lazy("%(field)s须为 %(multiple_of)s 的倍数"),
    "date_parsing": gettext_lazy("%(field)s须为日期，格式 YYYY-MM-DD"),
    "date_type": gettext_lazy("%(field)s须为日期，格式 YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_lazy("%(field)s须为日期，格式 YYYY-MM-DD"),
    "date_from_datetime_inexact": gettext_lazy("%(field)s须为日期，不能带时间"),
    "date_past": gettext_lazy("%(field)s须为过去的日期"),
    "date_future": gettext_lazy("%(field)s须为将来的日期"),
    "datetime_parsing": gettext_lazy("%(field)s须为日期时间，格式 YYYY-MM-DDTHH:MM:SS（可带时区）"),
    "datetime_type": gettext_lazy("%(field)s须为日期时间，格式 YYYY-MM-DDTHH:MM:SS（可带时区）"),
    "datetime_from_date_parsing": gettext_lazy("%(field)s须为日期时间，格式 YYYY-MM-DDTHH:MM:SS（可带时区）"),
    "time_parsing": gettext_lazy("%(field)s须为时间，格式 HH:MM 或 HH:MM:SS"),
    "time_type": gettext_lazy("%(field)s须为时间，格式 HH:MM 或 HH:MM:SS"),
    "enum": gettext_lazy("%(field)s的取值无效，可选值：%(expected)s"),
    "literal_error": gettext_lazy("%(field)s的取值无效，可选值：%(expected)s"),
    "json_invalid": gettext_lazy("%(field)s不是有效的 JSON"),
    "json_type": gettext_lazy("%(field)s须为 JSON 文本"),
    "list_type": gettext_lazy("%(field)s须为列表（JSON 数组）"),
    "tuple_type": gettext_lazy("%(field)s须为列表（JSON 数组）"),
    "set_type": gettext_lazy("%(field)s须为列表（JSON 数组）"),
    "dict_type": gettext_lazy("%(field)s须为 JSON 对象"),
    "model_type": gettext_lazy("%(field)s须为 JSON 对象"),
    "model_attributes_type": gettext_lazy("%(field)s须为 JSON 对象"),
    "uuid_parsing": gettext_lazy("%(field)s须为 UUID"),
    "uuid_type": gettext_lazy("%(field)s须为 UUID"),
    "url_parsing": gettext_lazy("%(field)s须为有效的网址"),
    "url_type": gettext_lazy("%(field)s须为有效的网址"),
    "extra_forbidden": gettext_lazy("%(field)s是未知字段，不能提交"),
    "value_error": gettext_lazy("%(field)s的值无效：%(error)s"),
    "assertion_error": gettext_lazy("%(field)s的值无效：%(error)s"),
}
FALLBACK = gettext_lazy("%(field)s的值无效（%(msg)s）")

# where the field was sent -> how the message names it
_PLACES: dict[str, Promise] = {
    "body": gettext_lazy("字段“%(name)s”"),
    "form": gettext_lazy("字段“%(name)s”"),
    "query": gettext_lazy("查询参数“%(name)s”"),
    "path": gettext_lazy("路径参数“%(name)s”"),
}
_PLACE_OTHER = gettext_lazy("参数“%(name)s”")
_SHOWN = 3  # errors spelled out in the summary message


class FieldName(typing.NamedTuple):
    path: str  # the field's path in the submitted data: "name", "tags.0"; "" for the whole body
    title: str  # the schema's title (or short description) of the field, "" when it has none


def field_names(error_contexts: Sequence[ValidationErrorContext]) -> list[FieldName]:
    """The name of each error's field, in the order ninja lists the errors (context by context, the
    pydantic errors of each). Needs the models, which the 422 handler no longer sees."""
    names = []
    for context in error_contexts:
        for error in context.pydantic_validation_error.errors(include_url=False):
            names.append(_field_name(context.model, error["loc"]))
    return names


def _model_class(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The pydantic model an annotation stands for (``Schema``, ``Schema | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_class(arg)
            if found is not None:
                return found
    return None


def _item_annotation(annotation: Any) -> Any:
    """The element type of ``list[X]`` / ``dict[str, X]`` (``X``), else ``None``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _item_annotation(args[0])
    return args[-1] if args else None


def _field_name(model: type[pydantic.BaseModel], loc: Sequence[int | str]) -> FieldName:
    """Walk pydantic's loc through the models. The first step is the view's parameter; when that
    parameter is a whole schema (``payload: PersonIn``, ``filters: Query[Filters]``) its name is not
    part of the submitted data and is left out of the path."""
    parts: list[str] = []
    title = ""
    current: Any = model
    for i, step in enumerate(loc):
        cls = _model_class(current)
        info = None
        if cls is not None and isinstance(step, str):
            for name, field in cls.model_fields.items():
                if step in (name, field.alias, field.validation_alias):
                    info = field
                    break
        if info is None:
            parts.append(str(step))
            title = ""
            current = _item_annotation(current) if cls is None else None
            continue
        current = info.annotation
        if i == 0 and _model_class(current) is not None:
            continue
        parts.append(str(step))
        title = info.title or ""
        if not title and info.description and len(info.description) <= 20 and "\n" not in info.description:
            title = info.description
    return FieldName(".".join(parts), title)


def _fallback_name(loc: Sequence[Any]) -> FieldName:
    """Without the models: drop the source and, in a body, the parameter name."""
    rest = list(loc[1:])
    if loc and loc[0] == "body" and len(rest) > 1:
        rest = rest[1:]
    return FieldName(".".join(str(p) for p in rest), "")


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as "'a'、'b'、'c'"."""
    return re.sub(r"'(, | or )'", "'、'", expected)


def _noun(place: str, name: FieldName) -> str:
    if not name.path and not name.title:
        return _("请求体") if place in ("body", "form", "") else _("请求参数")
    label = f"{name.title}（{name.path}）" if name.title and name.path else name.title or name.path
    return str(_PLACES.get(place, _PLACE_OTHER)) % {"name": label}


def error_message(error: dict[str, Any], name: FieldName) -> str:
    """One pydantic error, in the request's language, naming the field."""
    loc = error.get("loc") or ()
    place = str(loc[0]) if loc else ""
    ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
    if "expected" in ctx:
        ctx["expected"] = _choices(str(ctx["expected"]))
    params = {**ctx, "field": _noun(place, name), "msg": error.get("msg", "")}
    params.setdefault("error", error.get("msg", ""))
    template = MESSAGES.get(str(error.get("type", "")), FALLBACK)
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):  # a ctx this pydantic version names otherwise
        return str(FALLBACK) % params


def validation_error_body(exc: ValidationError) -> dict[str, Any]:
    """The 422 answer, shaped like ``ApplicationError.as_dict`` plus the list of ``errors``."""
    names: list[FieldName] = getattr(exc, "field_names", None) or []
    errors: list[dict[str, Any]] = []
    for i, raw in enumerate(exc.errors):
        if "loc" not in raw or "type" not in raw:  # ninja's own, e.g. {"cursor": "Invalid Cursor"}
            for key, value in raw.items():
                name = FieldName(str(key), "")
                msg = str(value)
                message = str(FALLBACK) % {"field": _noun("", name), "msg": msg}
                errors.append({"field": name.path, "message": message, "type": "invalid", "msg": msg})
            continue
        name = names[i] if i < len(names) else _fallback_name(raw["loc"])
        entry = {
            "field": name.path,
            "message": error_message(raw, name),
            "type": raw["type"],
            "loc": list(raw["loc"]),
            "msg": raw.get("msg", ""),
        }
        if raw.get("ctx"):
            entry["ctx"] = raw["ctx"]
        errors.append(entry)
    shown = "；".join(e["message"] for e in errors[:_SHOWN])
    if len(errors) > _SHOWN:
        shown += _("……共 %(count)d 处错误") % {"count": len(errors)}
    body: dict[str, Any] = {"code": "invalid", "message": _("请求数据有误：%(errors)s") % {"errors": shown}}
    if errors and errors[0]["field"]:
        body["field"] = errors[0]["field"]
    body["errors"] = errors
    return body


# --- ninja's HttpError: 400 unreadable body, 401, 403 CSRF, 429 -------------------------------------


def http_error_body(exc: HttpError) -> dict[str, Any]:
    """ninja's own HttpError (English text) as ``{code, message}`` in Chinese first."""
    text = str(exc)
    status = exc.status_code
    if status == 400 and text.startswith("Cannot parse request body"):
        return {
            "code": "json_invalid",
            "message": _("请求体不是有效的 JSON，请检查格式（Content-Type: application/json）"),
        }
    if status == 401:
        return Unauthenticated().as_dict()
    if status == 403 and "CSRF" in text:
        return CsrfFailed().as_dict()
    if status == 403:
        return {"code": "forbidden", "message": _("无权执行此操作")}
    if status == 404:
        return {"code": "not_found", "message": _("记录不存在")}
    if status == 429:
        return {"code": "throttled", "message": _("请求过于频繁，请稍后再试")}
    return {"code": f"http_{status}", "message": _("请求有误（%(detail)s）") % {"detail": text}}


# --- a parameter that fits the schema but names nothing there is (or nothing the user may see) --------


def _param_noun(place: str, field: str) -> str:
    return str(_PLACES.get(place, _PLACE_OTHER)) % {"name": field}


def not_found(field: str, what: str, *, place: str = "body") -> ApplicationError:
    """A 404 naming the parameter: ``字段“node_id”所指的网格不存在或不在您的管辖范围内``. Raised for an id
    that is no row and for one outside the user's jurisdiction alike (never confirm that it exists)."""
    message = _("%(field)s所指的%(what)s不存在或不在您的管辖范围内") % {
        "field": _param_noun(place, field),
        "what": what,
    }
    return NotFound(message, field=field)


class Invalid(ApplicationError):
    """A 422 shaped like the schema's own (``{code: invalid, message, field, errors}``), for a value a
    schema cannot check alone (a tag bit that no special group has)."""

    status = 422

    def __init__(self, field: str, message: str, *, place: str = "body", type: str = "invalid"):
        text = _param_noun(place, field) + message
        summary = _("请求数据有误：%(errors)s") % {"errors": text}
        errors = [{"field": field, "message": text, "type": type, "loc": [place, field]}]
        super().__init__("invalid", summary, field=field, extra={"errors": errors})


# --- text a database cannot store ------------------------------------------------------------------


def _unstorable(text: str) -> bool:
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        return True
    if text.isascii():  # most text of an API body: no surrogate possible
        return False
    try:
        text.encode("utf-8")  # an unpaired surrogate ("\ud800" in JSON) is no UTF-8
    except UnicodeEncodeError:
        return True
    return False


def check_storable(data: Any, *, place: str, path: str = "") -> None:
    """Refuse (422 naming the field) a string anywhere in the request's data — value or key — that
    no database can store; otherwise it reaches an INSERT and fails there as a 500."""
    if isinstance(data, str):
        if _unstorable(data):
            raise Invalid(path, _("含有无法保存的字符（空字符或不成对的代理码位）"), place=place)
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _unstorable(key):
                raise Invalid(path or "", _("含有无法保存的字段名"), place=place)
            check_storable(value, place=place, path=where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_storable(value, place=place, path=f"{path}.{i}" if path else str(i))
