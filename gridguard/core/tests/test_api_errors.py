"""The API answers wrong input in Chinese first, naming the field, shaped like ApplicationError."""

import pydantic
import pytest
from django.utils import translation
from ninja import Field, Schema
from ninja.errors import ValidationErrorContext

from gridguard.accounts.services import device_token_create
from gridguard.core.api_errors import FieldName, error_message, field_names


@pytest.fixture
def bearer(bob):
    _, key = device_token_create(actor=bob, user=bob, name="手机")
    return {"Authorization": f"Bearer {key}"}


def _post(client, url, data, headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def test_missing_field_is_422_in_chinese(client, bearer):
    response = _post(client, "/api/households", {"room": "101"}, bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "node_id"
    assert body["message"] == "请求数据有误：字段“node_id”必填"
    assert body["errors"] == [
        {
            "field": "node_id",
            "message": "字段“node_id”必填",
            "type": "missing",
            "loc": ["body", "payload", "node_id"],
            "msg": "Field required",
        }
    ]


def test_wrong_types_are_422_in_chinese(client, bearer):
    response = _post(
        client,
        "/api/persons",
        {"name": "李四", "household_id": "abc", "is_party_member": "也许", "tags": ["低保", 7]},
        bearer,
    )
    assert response.status_code == 422
    body = response.json()
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {
        "household_id": "字段“household_id”须为整数",
        "is_party_member": "字段“is_party_member”须为布尔值（true 或 false）",
        "tags.1": "字段“tags.1”须为文本",
    }
    assert {e["type"] for e in body["errors"]} == {"int_parsing", "bool_parsing", "string_type"}
    assert body["message"].startswith("请求数据有误：") and "household_id" in body["message"]


def test_query_and_path_parameters_are_named_as_such(client, bearer):
    body = client.get("/api/persons?limit=abc&status=gone", headers=bearer).json()
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["limit"] == "查询参数“limit”须为整数"
    assert messages["status"] == "查询参数“status”的取值无效，可选值：'active'、'moved_out'、'deceased'"
    assert body["errors"][0]["ctx"]["expected"]  # pydantic's detail is kept for programs
    response = client.get("/api/persons/abc", headers=bearer)
    assert (
        response.status_code == 422
        and response.json()["errors"][0]["message"] == "路径参数“person_id”须为整数"
    )


def test_date_error_names_the_format(client, bearer, bob):
    response = _post(client, "/api/persons/1/death", {"date": "2024-13-45"}, bearer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "字段“date”须为日期，格式 YYYY-MM-DD"


def test_body_that_is_empty_or_not_json(client, bearer):
    response = _post(client, "/api/households", "", bearer)
    assert response.status_code == 422 and response.json()["message"] == "请求数据有误：请求体必填"
    response = _post(client, "/api/households", "{oops", bearer)
    assert response.status_code == 400
    assert response.json()["code"] == "json_invalid" and "不是有效的 JSON" in response.json()["message"]


def test_application_errors_keep_their_shape(client, bearer):
    response = _post(client, "/api/persons", {"name": "李四"}, bearer)
    assert response.status_code == 400
    assert response.json() == {
        "code": "place_required",
        "message": "请选择所在户或所属网格",
        "field": "household",
    }


def test_openapi_schema_still_loads(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and "/api/households" in response.json()["paths"]


# --- the messages themselves, with schema titles ---------------------------------------------------


class Thing(Schema):
    name: str = Field(..., title="姓名", max_length=5)
    age: int = Field(0, description="年龄", ge=0, lt=150)
    kind: str = Field("a", pattern="^[ab]$")
    children: list["Thing"] = []


class Params(pydantic.BaseModel):  # what ninja builds for ``def view(request, payload: Thing)``
    payload: Thing


def _errors(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        Params.model_validate({"payload": data})
    names = field_names([ValidationErrorContext(caught.value, Params)])
    errors = caught.value.errors(include_url=False)
    return {
        name.path: error_message({**e, "loc": ("body", *e["loc"])}, name)
        for e, name in zip(errors, names, strict=True)
    }


def test_messages_use_the_schema_title_and_ctx():
    assert _errors({"name": "一二三四五六", "age": 200}) == {
        "name": "字段“姓名（name）”不能超过 5 个字符",
        "age": "字段“年龄（age）”须小于 150",
    }
    assert _errors({"age": -1, "kind": "c"}) == {
        "name": "字段“姓名（name）”必填",
        "age": "字段“年龄（age）”须大于或等于 0",
        "kind": "字段“kind”格式不正确",
    }
    assert _errors({"name": "甲", "children": [{"name": "乙"}, {}]}) == {
        "children.1.name": "字段“姓名（children.1.name）”必填"
    }


def test_unknown_error_type_falls_back_with_pydantic_text():
    error = {"type": "something_new", "loc": ("body", "payload", "x"), "msg": "Something odd"}
    assert error_message(error, FieldName("x", "")) == "字段“x”的值无效（Something odd）"
    value_error = {
        **error,
        "type": "value_error",
        "msg": "Value error, 号码有误",
        "ctx": {"error": "号码有误"},
    }
    assert error_message(value_error, FieldName("x", "")) == "字段“x”的值无效：号码有误"


def test_messages_are_translated_when_answered():
    """gettext runs per answer (the .po gives English to users who chose it)."""
    with translation.override("en"):
        message = error_message({"type": "missing", "loc": ("query", "q"), "msg": ""}, FieldName("q", ""))
    assert "q" in message


def test_an_unknown_api_url_answers_json(client):
    response = client.get("/api/nope/123")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "/api/docs" in response.json()["message"]


def test_a_post_to_an_unknown_api_url_is_a_json_404_not_the_csrf_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/nothing", {"a": 1})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
