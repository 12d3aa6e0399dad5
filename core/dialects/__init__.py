"""One mechanism for the four API dialects. See base.py for the design."""

import sys

from django.http import HttpResponse, JsonResponse
from django.views.defaults import page_not_found, server_error
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.views import APIView

from core import idempotency
from core.outages import is_outage, unavailable_error
from core.throttles import CostRateThrottle

from .base import ApiError, Dialect, DialectResponse, ResponseMeta, flatten_errors
from .conversions import CONVERSIONS
from .gallery import GALLERY
from .partners import PARTNERS
from .stamps import STAMPS

__all__ = [
    "ApiError",
    "CONVERSIONS",
    "Dialect",
    "DialectResponse",
    "DialectView",
    "GALLERY",
    "PARTNERS",
    "ResponseMeta",
    "STAMPS",
    "dialect_for_path",
    "exception_handler",
    "flatten_errors",
]

# Most specific prefixes first: gallery and partners sit under paths the others also claim.
_BY_PREFIX_ORDER = (GALLERY, PARTNERS, STAMPS, CONVERSIONS)


def dialect_for_path(path: str) -> Dialect | None:
    for dialect in _BY_PREFIX_ORDER:
        if any(path.startswith(prefix) for prefix in dialect.path_prefixes):
            return dialect
    return None


class DialectView(APIView):
    """Base for every API view: set ``dialect``; envelopes, errors and pagination follow."""

    dialect: Dialect = STAMPS
    # POST honours Idempotency-Key (core/idempotency.py): set on every POST that creates
    # something or spends credits.
    idempotent_post = False
    _idempotency_claim = None
    # Methods that are expensive to serve, by cost scope (core.throttles.CostRateThrottle):
    # {"POST": "translate"}. Throttled per caller on top of the view's own throttles.
    cost_scopes: dict[str, str] = {}

    @property
    def pagination_class(self):
        return self.dialect.pagination_class

    @property
    def paginator(self):
        """The dialect's paginator; a view sets ``default_limit`` to change the default page size."""
        if not hasattr(self, "_paginator"):
            self._paginator = self.pagination_class() if self.pagination_class else None
        return self._paginator

    # A django-filter FilterSet (the app's filters.py) that ``paginate`` applies before paging.
    filterset_class = None

    @property
    def filter_backends(self):
        return [DjangoFilterBackend] if self.filterset_class is not None else []

    @property
    def queryset(self):
        """The model the FilterSet filters: drf-spectacular reads it here to document the filters."""
        return self.filterset_class._meta.model.objects.none() if self.filterset_class is not None else None

    def filter_queryset(self, queryset):
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def paginate(self, queryset, serialize):
        """Filter ``queryset`` with the view's FilterSet, then page it in this dialect's way;
        ``serialize`` turns the page's rows into data."""
        queryset = self.filter_queryset(queryset)
        page = self.paginator.paginate_queryset(queryset, self.request, view=self)
        return self.paginator.get_paginated_response(serialize(page))

    def get_throttles(self):
        return [*super().get_throttles(), CostRateThrottle()]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.idempotent_post and request.method == "POST":
            # After authentication, permissions and throttles: the key belongs to the caller.
            self._idempotency_claim = idempotency.begin(request)

    def get_exception_handler(self):
        return self._dialect_exception_handler

    def _dialect_exception_handler(self, exc, context):
        if isinstance(exc, idempotency.Replay):
            return exc.response()
        return self.dialect.handle_exception(exc, context["request"])

    def finalize_response(self, request, response, *args, **kwargs):
        response = self._envelope(request, response, *args, **kwargs)
        if self._idempotency_claim is not None:
            idempotency.finish(self._idempotency_claim, response)
        return response

    def _envelope(self, request, response, *args, **kwargs):
        if (
            200 <= response.status_code < 300
            and response.status_code != 204
            and not getattr(response, "is_dialect_error", False)
            and hasattr(response, "data")
            and not getattr(response, "enveloped", False)
        ):
            meta = getattr(response, "meta", None) or ResponseMeta()
            response.data = self.dialect.success_body(response.data, meta, request, response.status_code)
            response.enveloped = True
        return super().finalize_response(request, response, *args, **kwargs)


def exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER for views that are not DialectViews."""
    view = context.get("view")
    request = context["request"]
    dialect = getattr(view, "dialect", None) or dialect_for_path(request.path) or STAMPS
    return dialect.handle_exception(exc, request)


def _plain(request, status: int, kind: str):
    dialect = dialect_for_path(request.path)
    if dialect is None:
        return None
    return _error_response(dialect, ApiError(kind), request)


def _error_response(dialect, error: ApiError, request):
    status_code, _, _ = dialect.resolve(error)
    response = JsonResponse(dialect.full_error_body(error, request), status=status_code, safe=False)
    for name, value in error.headers.items():
        response[name] = value
    return response


def not_found_handler(request, exception=None):
    """handler404: API paths answer in their dialect, other paths with Django's page."""
    return _plain(request, 404, "not_found") or page_not_found(request, exception)


def server_error_handler(request):
    """handler500: an API path never gets an HTML error page or a traceback; a dependency that
    is down (raised outside DRF, e.g. by a middleware reading the session) answers 503."""
    if is_outage(sys.exc_info()[1]):
        error = unavailable_error()
        dialect = dialect_for_path(request.path)
        if dialect is not None:
            return _error_response(dialect, error, request)
        response = HttpResponse(
            "Service temporarily unavailable, retry later.\n", status=503, content_type="text/plain"
        )
        response["Retry-After"] = error.headers["Retry-After"]
        return response
    return _plain(request, 500, "server_error") or server_error(request)
