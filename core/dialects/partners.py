"""Voices.com Partner API v4 dialect: ``{"data", "data_count", "mode"}``, errors
``{"error": {"code", "message"}, "mode"}`` and notices. The documented codes live here."""

from django.conf import settings

from .base import STRING_SCHEMA, ApiError, Dialect, ResponseMeta

# Documented error codes: (HTTP status, message).
PROGRAM_ID_NOT_NUMBER = 100
JOB_ID_NOT_NUMBER = 101
TALENT_ID_NOT_NUMBER = 102
EDIT_NOTES_REQUIRED = 103
SCRIPT_REQUIRED = 104
INVALID_FILE_TYPE = 105
JOB_DESCRIPTION_REQUIRED = 106
PROGRAM_NOT_ASSOCIATED = 120
JOB_NOT_ASSOCIATED = 121
TALENT_NOT_ASSOCIATED = 122
PROGRAM_NOT_ACTIVE = 123
CREDIT_LIMIT_REACHED = 140
CREDIT_LIMIT_UNAVAILABLE = 141
CREDIT_LIMIT_UNDETERMINED = 142
JOB_NOT_CREATED = 143
APPROVAL_UNSUCCESSFUL = 144
EDIT_UNSUCCESSFUL = 145
JOB_APPROVED_NO_EDITS = 146
MAX_EDITS_REACHED = 147

ERRORS = {
    PROGRAM_ID_NOT_NUMBER: (400, "Program ID must be a number"),
    JOB_ID_NOT_NUMBER: (400, "Job ID must be a number"),
    TALENT_ID_NOT_NUMBER: (400, "Talent ID must be a number"),
    EDIT_NOTES_REQUIRED: (400, "Edit notes required"),
    SCRIPT_REQUIRED: (400, "Script file or sample script must be provided"),
    INVALID_FILE_TYPE: (400, "Invalid file type (accepted types: {types})"),
    JOB_DESCRIPTION_REQUIRED: (400, "Job description required"),
    PROGRAM_NOT_ASSOCIATED: (403, "Program is not associated with your account"),
    JOB_NOT_ASSOCIATED: (403, "Job is not associated with your account"),
    TALENT_NOT_ASSOCIATED: (403, "Talent not associated with any programs on your account"),
    PROGRAM_NOT_ACTIVE: (400, "Program is not active"),
    CREDIT_LIMIT_REACHED: (400, "Credit limit reached or exceeded"),
    CREDIT_LIMIT_UNAVAILABLE: (400, "Credit limit unavailable"),
    CREDIT_LIMIT_UNDETERMINED: (400, "Credit limit could not be determined"),
    JOB_NOT_CREATED: (400, "Job could not be created"),
    APPROVAL_UNSUCCESSFUL: (400, "Job file approval was unsuccessful"),
    EDIT_UNSUCCESSFUL: (400, "Job file edit request was unsuccessful"),
    JOB_APPROVED_NO_EDITS: (400, "Job is approved, no edits allowed"),
    MAX_EDITS_REACHED: (400, "Maximum number of edits reached"),
}

# The domain's stable codes (partners.errors.refused) for the documented errors above.
_DOMAIN_CODES = {
    name.lower(): number
    for name, number in (
        ("PROGRAM_NOT_ASSOCIATED", PROGRAM_NOT_ASSOCIATED),
        ("JOB_NOT_ASSOCIATED", JOB_NOT_ASSOCIATED),
        ("TALENT_NOT_ASSOCIATED", TALENT_NOT_ASSOCIATED),
        ("PROGRAM_NOT_ACTIVE", PROGRAM_NOT_ACTIVE),
        ("CREDIT_LIMIT_REACHED", CREDIT_LIMIT_REACHED),
        ("CREDIT_LIMIT_UNAVAILABLE", CREDIT_LIMIT_UNAVAILABLE),
        ("CREDIT_LIMIT_UNDETERMINED", CREDIT_LIMIT_UNDETERMINED),
        ("JOB_NOT_CREATED", JOB_NOT_CREATED),
        ("APPROVAL_UNSUCCESSFUL", APPROVAL_UNSUCCESSFUL),
        ("EDIT_NOTES_REQUIRED", EDIT_NOTES_REQUIRED),
        ("EDIT_UNSUCCESSFUL", EDIT_UNSUCCESSFUL),
        ("JOB_APPROVED_NO_EDITS", JOB_APPROVED_NO_EDITS),
        ("MAX_EDITS_REACHED", MAX_EDITS_REACHED),
    )
}

# Documented notice codes.
TEST_MODE_ENABLED = 200
CREDIT_BALANCE_APPROACHING_LIMIT = 240
NOTICES = {
    TEST_MODE_ENABLED: "Test mode enabled",
    CREDIT_BALANCE_APPROACHING_LIMIT: "Credit balance approaching limit",
}

MODE_TEST = "test"
MODE_LIVE = "live"
TEST_MODE_HEADER = "TEST-MODE"
_TEST_MODE_VALUES = {"1": True, "0": False}


def _test_mode_value(request):
    """True for "1", False for "0" or no header, None for anything else."""
    headers = getattr(request, "headers", None)
    value = headers.get(TEST_MODE_HEADER) if headers is not None else None
    if value is None:
        return False
    return _TEST_MODE_VALUES.get(value.strip())


def requested_test_mode(request) -> bool:
    """The TEST-MODE header, read strictly: "1" is test, "0" or absent live, anything else
    ("true", "yes", "01") a 400, so a typo never runs a billable job live."""
    requested = _test_mode_value(request)
    if requested is None:
        raise ApiError("bad_request", message=f"{TEST_MODE_HEADER} must be 0 or 1")
    return requested


def partner_error(code: int, **format_args) -> ApiError:
    """The ApiError for a documented partner error code."""
    status, message = ERRORS[code]
    return ApiError("bad_request", status=status, code=code, message=message.format(**format_args))


def notice(code: int) -> dict:
    return {"code": code, "message": NOTICES[code]}


def request_mode(request) -> str:
    """The mode a response reports: the authenticated partner's, else the TEST-MODE header's
    (an unreadable header, refused with a 400, reports test: nothing ran live)."""
    mode = getattr(request, "partner_mode", None)
    if mode:
        return mode
    return MODE_LIVE if _test_mode_value(request) is False else MODE_TEST


_MODE_SCHEMA = {"type": "string", "enum": [MODE_LIVE, MODE_TEST]}


class PartnersDialect(Dialect):
    name = "partners"
    pagination_class = None
    # Undocumented situations use the HTTP status as their code, apart from the
    # documented 1xx error codes.
    generic = {
        "bad_request": (400, 400, "Bad request"),
        "not_authenticated": (401, 401, "Partner Program access is not enabled for this key"),
        "payment_required": (402, 402, "Payment required"),
        "permission_denied": (403, 403, "Forbidden"),
        "not_found": (404, 404, "Not found"),
        "method_not_allowed": (405, 405, "Method not allowed"),
        "not_acceptable": (406, 406, "Not acceptable"),
        "conflict": (409, 409, "Conflict"),
        "gone": (410, 410, "Gone"),
        "too_large": (413, 413, "Request body too large"),
        "unsupported_media_type": (415, 415, "Unsupported media type"),
        "validation": (400, 400, "Invalid input"),
        "throttled": (429, 429, "Too many requests"),
        "server_error": (500, 500, "Internal server error"),
        "unavailable": (503, 503, "Service temporarily unavailable, retry later"),
        "idempotency_key_reused": (422, 422, "This Idempotency-Key was used with a different request"),
        "idempotency_key_in_use": (409, 409, "A request with this Idempotency-Key is still being processed"),
    }

    domain_codes = {
        name: {"kind": "bad_request", "code": number, "status": ERRORS[number][0], "message": ERRORS[number][1]}
        for name, number in _DOMAIN_CODES.items()
    }

    @property
    def path_prefixes(self):
        return (f"/{settings.PARTNERS_URL_PREFIX}",)

    def success_body(self, data, meta: ResponseMeta, request, status_code):
        mode = request_mode(request)
        body = {"data": data}
        if isinstance(data, list) or meta.count is not None:
            body["data_count"] = meta.count if meta.count is not None else len(data)
        body["mode"] = mode
        notices = list(meta.notices)
        if mode == MODE_TEST:
            notices.insert(0, notice(TEST_MODE_ENABLED))
        if notices:
            body["notices"] = notices
        return body

    def success_schema(self, inner):
        return {
            "type": "object",
            "required": ["data", "mode"],
            "properties": {
                "data": inner,
                "data_count": {"type": "integer"},
                "mode": _MODE_SCHEMA,
                "notices": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"code": {"type": "integer"}, "message": STRING_SCHEMA}},
                },
            },
        }

    def error_schema(self, status_code):
        return {
            "type": "object",
            "required": ["error", "mode"],
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "message": STRING_SCHEMA},
                },
                "mode": _MODE_SCHEMA,
            },
        }

    def error_body(self, error: ApiError, request):
        _, code, message = self.resolve(error)
        if error.kind == "validation" and error.fields and error.code is None:
            name, messages = next(iter(error.fields.items()))
            message = f"{name}: {messages[0]}"
        return {"error": {"code": code, "message": message, **error.extra}, "mode": request_mode(request)}


PARTNERS = PartnersDialect()
