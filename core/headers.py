"""Response headers that keep secrets out of caches.

Tokens, API keys, signed URLs and password-protected share content travel in ordinary
responses; a shared proxy or the browser's disk cache must not keep them. One middleware
decides, for every dynamic response (static files are answered by WhiteNoise before it):

- a response that says nothing about caching gets ``Cache-Control: no-store`` (every API
  body, the share page, errors): caching has to be asked for, never assumed;
- a response to a request that carried a share credential (``X-Share-Password``,
  ``X-Share-Token``, ``?share=``, ``?token=``) or a capability in its URL (a ``token`` or
  share ``code`` path segment: signed downloads, upload slots, reply links, the share page)
  is ``no-store`` even when the view chose a cache policy that allows storing (the file routes'
  ``private, no-cache``); a view's own policy that already says ``no-store`` (``never_cache``) stays.

The Content-Security-Policy header is django-csp's, set by its middleware subclassed here only
to build the header once (``CSPMiddleware``).
"""

from __future__ import annotations

from csp import middleware as csp_middleware
from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.conf import settings

NO_STORE = "no-store"
_CREDENTIAL_HEADERS = ("X-Share-Password", "X-Share-Token")
_CREDENTIAL_PARAMS = ("share", "token")
_CAPABILITY_URL_KWARGS = ("token", "code")


def carries_a_credential(request) -> bool:
    """Whether the request itself holds a share credential or a capability URL."""
    if any(request.headers.get(name) for name in _CREDENTIAL_HEADERS):
        return True
    if any(request.GET.get(name) for name in _CREDENTIAL_PARAMS):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and any(name in match.kwargs for name in _CAPABILITY_URL_KWARGS))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        chosen = response.get("Cache-Control", "")
        if not chosen or (NO_STORE not in chosen and carries_a_credential(request)):
            response["Cache-Control"] = NO_STORE
        return response


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the policy built once rather than for every response.

    django-csp rebuilds the header string from the settings on each response, about 0.1 ms: as
    much as a tenth of a small API answer (docs/platform/performance.md). A response that asks
    for nothing of its own (no csp_update/replace/exempt decorator, no nonce used) gets the
    header built from the settings in force, which are kept alongside it so a changed setting
    (override_settings in tests) builds it anew; every other response is django-csp's own."""

    _PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )
    _built: tuple | None = None

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self._PER_RESPONSE)
            or (settings.DEBUG and response.status_code in (500, 404))
        ):
            return super().process_response(request, response)
        built = self._built
        if built is None or built[0] is not policy:
            built = self._built = (policy, build_policy())
        header = built[1]
        excluded = request.path_info.startswith(tuple((policy or {}).get("EXCLUDE_URL_PREFIXES") or ()))
        if header and CSP_HEADER not in response and not excluded:
            response[CSP_HEADER] = header
        # As django-csp does: a nonce asked for after the header is written is an error, not a no-op.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
