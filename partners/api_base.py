"""What every Partner API endpoint shares: PartnerView (X-API-KEY, per-key rate limit, the
partners dialect, the audit log of calls), the documented parameters and id parsing."""

from __future__ import annotations

import time

from drf_spectacular.utils import OpenApiParameter
from rest_framework.parsers import FormParser, MultiPartParser

from core import ids
from core.dialects import PARTNERS, DialectView
from core.dialects.partners import MODE_LIVE, PROGRAM_ID_NOT_NUMBER, PROGRAM_NOT_ASSOCIATED, partner_error, request_mode
from core.parsers import JSONParser

from .account import services as account_services
from .authentication import KEY_HEADER, IsPartner, PartnerKeyAuthentication, PartnerKeyThrottle
from .programs import selectors as program_selectors

# Ids are positive 64-bit integers; a larger number is a number that names no row.
NO_SUCH_ID = 0

# Ids are numbers; the routes take any text so that a non-number is answered with its documented
# error code (100, 101, 102) rather than a bare 404.
PROGRAM_ID = OpenApiParameter("program_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
JOB_ID = OpenApiParameter("job_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TALENT_ID = OpenApiParameter("talent_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TEST_MODE = OpenApiParameter(
    "TEST-MODE",
    int,
    OpenApiParameter.HEADER,
    required=False,
    enum=[0, 1],
    description="1 forces test mode: writes are validated and nothing is saved. 0 or no header: the "
    "account's mode. Any other value is a 400.",
)


def parse_id(value, code: int) -> int:
    """An id given as ASCII digits (path, form field or JSON string) or a JSON integer; else error ``code``."""
    number = ids.parse_id(value)
    if number is None:
        raise partner_error(code)
    return number if number <= ids.MAX_ID else NO_SUCH_ID


class PartnerView(DialectView):
    """Every Partner API endpoint: X-API-KEY, per-key rate limit, the partners dialect, the audit log."""

    dialect = PARTNERS
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IsPartner]
    throttle_classes = [PartnerKeyThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.started = time.monotonic()
        return super().initialize_request(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        api_key = getattr(request, "partner_key", None)
        account_services.record_call(
            partner=getattr(request, "partner", None),
            api_key=api_key,
            key_prefix=api_key.prefix
            if api_key
            else account_services.key_prefix_of(request.headers.get(KEY_HEADER) or ""),
            method=request.method,
            endpoint=request.path,
            mode=request_mode(request),
            status=response.status_code,
            duration_ms=int((time.monotonic() - self.started) * 1000),
        )
        return response

    @property
    def live(self) -> bool:
        return self.request.partner_mode == MODE_LIVE

    @property
    def actor(self) -> str:
        return f"key {self.request.partner_key.prefix}"

    def program_or_error(self, raw_id: str):
        program = program_selectors.program_for(self.request.partner, parse_id(raw_id, PROGRAM_ID_NOT_NUMBER))
        if program is None:
            raise partner_error(PROGRAM_NOT_ASSOCIATED)
        return program
