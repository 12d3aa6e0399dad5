"""Each API's envelope, error body, status mapping and pagination come from its dialect."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.dialect_urls")]

PREFIX = {
    "stamps": "/api/v1/probe",
    "conversions": "/api/probe",
    "gallery": "/api/v1/voice-gallery/probe",
    "partners": "/v4/partners/probe",
}


def test_success_envelopes(anon):
    assert anon.get("/api/v1/probe/ok").json() == {"success": True, "value": 1, "message": "fine"}
    assert anon.get("/api/v1/probe/list").json() == {"success": True, "data": [1, 2, 3]}
    assert anon.get("/api/probe/ok").json() == {"value": 1}
    assert anon.get("/api/v1/voice-gallery/probe/ok").json() == {
        "success": True,
        "message": "fine",
        "data": {"value": 1},
    }
    assert anon.get("/v4/partners/probe/ok").json() == {"data": {"value": 1}, "mode": "live"}
    assert anon.get("/v4/partners/probe/list").json() == {"data": [1, 2, 3], "data_count": 3, "mode": "live"}
    test_mode = anon.get("/v4/partners/probe/list", HTTP_TEST_MODE="1").json()
    assert test_mode["mode"] == "test"
    assert test_mode["notices"] == [{"code": 200, "message": "Test mode enabled"}]


@pytest.mark.parametrize(
    "dialect, expected_status, expected",
    [
        (
            "stamps",
            422,
            {
                "error": "validation_failed",
                "message": "The given data was invalid",
                "errors": {
                    "name": ["Ensure this field has no more than 5 characters."],
                    "count": ["This field is required."],
                },
            },
        ),
        (
            "gallery",
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Validation failed",
                    "fields": {
                        "name": ["Ensure this field has no more than 5 characters."],
                        "count": ["This field is required."],
                    },
                },
            },
        ),
        (
            "conversions",
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "name"],
                        "msg": "Ensure this field has no more than 5 characters.",
                        "type": "value_error",
                    },
                    {"loc": ["body", "count"], "msg": "This field is required.", "type": "value_error"},
                ]
            },
        ),
        (
            "partners",
            400,
            {
                "error": {"code": 400, "message": "name: Ensure this field has no more than 5 characters."},
                "mode": "live",
            },
        ),
    ],
)
def test_validation_errors(anon, dialect, expected_status, expected):
    response = anon.post(f"{PREFIX[dialect]}/x", {"name": "toolong"}, format="json")
    assert response.status_code == expected_status
    assert response.json() == expected


@pytest.mark.parametrize(
    "dialect, body",
    [
        ("stamps", {"error": "server_error", "message": "An unexpected error occurred", "request_id": "trace-1"}),
        ("conversions", {"detail": "Internal server error", "request_id": "trace-1"}),
        (
            "gallery",
            {
                "success": False,
                "error": {"code": "INTERNAL_ERROR", "message": "An unexpected error occurred", "requestId": "trace-1"},
            },
        ),
        (
            "partners",
            {"error": {"code": 500, "message": "Internal server error", "request_id": "trace-1"}, "mode": "live"},
        ),
    ],
)
def test_unknown_errors_become_the_dialects_500_and_are_logged(anon, dialect, body, caplog):
    response = anon.get(f"{PREFIX[dialect]}/crash", HTTP_X_REQUEST_ID="trace-1")
    assert response.status_code == 500
    assert response.json() == body
    assert response["X-Request-ID"] == "trace-1"
    assert "boom" not in response.content.decode()
    assert any("unhandled error" in record.message for record in caplog.records)


@pytest.mark.parametrize(
    "dialect, body",
    [
        ("stamps", {"error": "resource_not_found", "message": "Resource not found"}),
        ("conversions", {"detail": "Not found"}),
        ("gallery", {"success": False, "error": {"code": "NOT_FOUND", "message": "Resource not found"}}),
        ("partners", {"error": {"code": 404, "message": "Not found"}, "mode": "live"}),
    ],
)
def test_not_found_in_views_and_unknown_urls(anon, dialect, body):
    assert anon.get(f"{PREFIX[dialect]}/missing").json() == body
    unknown = Client().get(f"{PREFIX[dialect].rsplit('/probe', 1)[0]}/no/such/endpoint")
    assert unknown.status_code == 404
    assert unknown.json() == body


def test_domain_errors_carry_code_and_extra(anon):
    assert anon.get("/api/v1/voice-gallery/probe/conflict").json() == {
        "success": False,
        "error": {"code": "IN_USE", "message": "In use.", "affected": 2},
    }
    response = anon.get("/api/probe/conflict")
    assert response.status_code == 409 and response.json() == {"detail": "In use.", "affected": 2}


def test_malformed_json_unsupported_type_and_wrong_method(anon):
    bad = anon.post("/api/probe/x", data="{oops", content_type="application/json")
    assert bad.status_code == 400 and "JSON parse error" in bad.json()["detail"]
    xml = anon.post("/api/v1/voice-gallery/probe/x", data="<a/>", content_type="application/xml")
    assert xml.status_code == 415 and xml.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    put = anon.put("/api/v1/probe/x", {}, format="json")
    assert put.status_code == 405 and put.json()["error"] == "method_not_allowed"


def test_crash_outside_drf_is_json_not_html():
    response = Client(raise_request_exception=False).get("/api/crash")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Internal server error", "request_id": response["X-Request-ID"]}


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 200),
        ("?page=2&limit=1", 200),
        ("?limit=0", 422),
        ("?page=-1", 422),
        ("?limit=abc", 422),
        ("?limit=101", 422),
    ],
)
def test_stamps_pagination(anon, make_user, query, status):
    for i in range(3):
        make_user(email=f"p{i}@example.com")
    response = anon.get(f"/api/v1/probe/page{query}")
    assert response.status_code == status
    if query == "?page=2&limit=1":
        assert response.json() == {
            "success": True,
            "data": ["p1@example.com"],
            "pagination": {"page": 2, "limit": 1, "total": 3, "pages": 3},
        }


def test_conversions_and_gallery_pagination(anon, make_user):
    for i in range(3):
        make_user(email=f"p{i}@example.com")
    assert anon.get("/api/probe/page?limit=2&offset=1").json() == {
        "list": ["p1@example.com", "p2@example.com"],
        "pagination": {"count": 3, "limit": 2, "offset": 1},
    }
    negative = anon.get("/api/probe/page?limit=-1")
    assert negative.status_code == 422
    assert negative.json()["detail"][0]["loc"] == ["query", "limit"]
    assert anon.get("/api/v1/voice-gallery/probe/page?page=2&size=2").json() == {
        "success": True,
        "data": {
            "items": ["p2@example.com"],
            "pagination": {
                "page": 2,
                "size": 2,
                "totalItems": 3,
                "totalPages": 2,
                "hasNextPage": False,
                "hasPreviousPage": True,
            },
        },
    }
    assert anon.get("/api/v1/voice-gallery/probe/page?size=101").status_code == 400


@pytest.mark.parametrize(
    "dialect, body",
    [
        ("stamps", {"error": "invalid_token", "message": "The provided token is invalid or expired"}),
        ("conversions", {"detail": "The provided token is invalid or expired"}),
        (
            "gallery",
            {
                "success": False,
                "error": {"code": "UNAUTHORIZED", "message": "The provided token is invalid or expired"},
            },
        ),
        ("partners", {"error": {"code": 401, "message": "The provided token is invalid or expired"}, "mode": "live"}),
    ],
)
def test_bad_credentials_are_401_in_every_dialect(anon, user, dialect, body):
    from accounts.tokens import issue_tokens

    path = PREFIX[dialect].replace("/probe", "/protected")
    good = issue_tokens(user).access
    assert anon.get(path, HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    response = anon.get(path, HTTP_AUTHORIZATION=f"Bearer {good[:-4]}AAAA")
    assert response.status_code == 401
    assert response.json() == body
    assert response["WWW-Authenticate"] == "Bearer"
    assert anon.get(path).status_code == 401
