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
"""

from __future__ import annotations

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
