"""The share page /share/{code} (HTML for people), its reply form, the fresh media links its player
asks for when a signed link has expired, and the picture a pasted link previews with.

The page's logic is in ``page`` (what it shows) and ``static/stamps/share.js`` (drawing and
playing it); access rules are the API's, in ``selectors``.
"""

from __future__ import annotations

import dataclasses

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import ValidationError

from core.body_limits import body_limit, upload_body_limit
from core.dialects import STAMPS, ApiError, flatten_errors
from core import errors
from core.errors import DomainError
from core.http import serve_file
from core.storage import object_storage
from core.throttles import client_address

from ..files import recording_peaks
from . import page as page_selectors
from . import selectors
from .api import serializers as io
from . import services
from .api.views import ReplyThrottle, viewer_key

# A link preview's picture may be cached by previewers and proxies for this long.
PREVIEW_CACHE_SECONDS = 300


class _PageView:
    """What the DRF throttles need from a view: the URL's kwargs."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs


def _unavailable(request, error: ApiError | DomainError, share=None):
    status, code, message = STAMPS.resolve(STAMPS.to_api_error(error, request))
    preview = page_selectors.link_preview(share) if share is not None and status == 403 else None
    return render(
        request,
        "stamps/share/unavailable.html",
        {"status": status, "code": code, "message": message, "preview": preview},
        status=status,
    )


_PAGE_PASSWORD_ERRORS = {
    errors.SHARE_PASSWORD_REQUIRED: "Enter the password.",
    errors.SHARE_PASSWORD_INVALID: "That password is not right.",
}


def _session_key(code: str) -> str:
    return f"stamps-share-unlocked:{code}"


def _with_token(url: str, token: str | None, **params) -> str:
    query = {k: v for k, v in {"token": token, **params}.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


def _page_url(code: str, token: str | None, **params) -> str:
    return _with_token(reverse("stamps-share-page", kwargs={"code": code}), token, **params)


def _access(request, share, token):
    return selectors.resolve_access(
        share,
        user=request.user,
        access_token=token,
        password_checked=bool(request.session.get(_session_key(share.share_code))),
    )


def _render_page(request, access: selectors.Access, token: str | None, *, status=200, **extra):
    share = access.share
    page = page_selectors.share_page(share, request)
    if page.content.recording is not None and page.peaks is None:
        # Computed once and kept with the recording (the packaging and thumbnail jobs do it too).
        page = dataclasses.replace(page, peaks=recording_peaks(page.content.recording))
    media_url = _with_token(reverse("stamps-share-media", kwargs={"code": share.share_code}), token)
    default_name = access.recipient.name if access.recipient is not None else ""
    context = {
        "page": page,
        "share": share,
        "stamp": page.stamp,
        "content": page.content,
        "preview": page_selectors.link_preview(share),
        "page_data": page.script_data(media_url),
        "reply_token": access.reply_token,
        "token": token,
        "replied": False,
        "reply_errors": None,
        "reply_name": default_name,
        "reply_message": "",
        **extra,
    }
    return render(request, "stamps/share/page.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def share_page(request, code):
    """GET shows the stamp (or the password form); POST checks the password."""
    token = request.GET.get("token") or request.POST.get("token") or None
    try:
        share = selectors.share_for_code(code)
    except DomainError as error:
        return _unavailable(request, error)
    password_error = None
    password_status = 200
    if request.method == "POST":
        try:
            selectors.check_share_password(share, request.POST.get("password"), client=client_address(request))
        except DomainError as error:
            password_status, _, password_error = STAMPS.resolve(STAMPS.domain_error(error))
            password_error = _PAGE_PASSWORD_ERRORS.get(error.code, password_error)
        else:
            request.session[_session_key(share.share_code)] = True
            return HttpResponseRedirect(_page_url(share.share_code, token))
    try:
        access = _access(request, share, token)
    except DomainError as error:
        if error.code in _PAGE_PASSWORD_ERRORS:
            return render(
                request,
                "stamps/share/password.html",
                {
                    "share": share,
                    "token": token,
                    "error": password_error,
                    "preview": page_selectors.link_preview(share),
                },
                status=password_status,
            )
        return _unavailable(request, error, share)
    if access.viewer != "owner":
        services.record_view(share, viewer_key(request, access))
    return _render_page(request, access, token, replied=request.GET.get("replied") == "1")


@require_http_methods(["POST"])
@body_limit(upload_body_limit("STAMPS_REPLY_MAX_AUDIO_BYTES"))
def share_page_reply(request, code):
    """The page's reply form: the same service as POST /api/v1/security/vst/reply/{token}, and a name."""
    token = request.POST.get("token") or None
    try:
        share = selectors.share_for_code(code)
    except DomainError as error:
        return _unavailable(request, error)
    throttle = ReplyThrottle()
    errors = None
    if not throttle.allow_request(request, _PageView(code=code)):
        errors = {"message": [f"Too many replies. Try again in {int(throttle.wait() or 1)} seconds."]}
    else:
        form = io.PageReplyIn(
            data={
                "name": request.POST.get("name", ""),
                "message": request.POST.get("message", ""),
                **({"audio_file": request.FILES["audio_file"]} if "audio_file" in request.FILES else {}),
            }
        )
        try:
            form.is_valid(raise_exception=True)
            services.submit_reply(
                request.POST.get("reply_token", ""),
                name=form.validated_data["name"],
                message=form.validated_data["message"],
                audio_file=form.validated_data.get("audio_file"),
            )
            # Back to the page, at the reply form, where the thank-you shows.
            return HttpResponseRedirect(_page_url(share.share_code, token, replied="1") + "#reply")
        except ValidationError as exc:
            errors = flatten_errors(exc.detail)
        except (ApiError, DomainError) as exc:
            error = STAMPS.to_api_error(exc, request)
            if error.kind in ("not_found", "gone") and error.fields is None:
                return _unavailable(request, error)
            errors = error.fields or {"message": [STAMPS.resolve(error)[2]]}
    try:
        access = _access(request, share, token)
    except DomainError as error:
        return _unavailable(request, error, share)
    return _render_page(
        request,
        access,
        token,
        status=422,
        reply_errors=errors,
        reply_name=request.POST.get("name", ""),
        reply_message=request.POST.get("message", ""),
    )


def _json_error(error: ApiError | DomainError) -> JsonResponse:
    status, code, message = STAMPS.resolve(STAMPS.to_api_error(error, None))
    return JsonResponse({"success": False, "error": code, "message": message}, status=status)


@never_cache
@require_GET
def share_page_media(request, code):
    """Fresh signed links to the page's recording and image, on the page's own access rules
    (the session's password unlock, a recipient's ``token``). The player asks when its link expired."""
    token = request.GET.get("token") or None
    try:
        share = selectors.share_for_code(code)
        _access(request, share, token)
    except DomainError as error:
        return _json_error(error)
    return JsonResponse(page_selectors.fresh_media(share, request))


@require_GET
def share_preview(request, code):
    """The picture of a pasted link's preview (Open Graph / Twitter card): a public share's thumbnail.

    A stable address, unlike signed links, because previewers fetch it whenever they like.
    Password and private shares have none (404), so their previews show nothing of the stamp.
    """
    try:
        share = selectors.share_for_code(code)
    except DomainError as error:
        return _json_error(error)
    picture = page_selectors.preview_file(share)
    if picture is None or not object_storage.exists(picture.key):
        return _json_error(ApiError("not_found", message="This share has no preview picture"))
    return serve_file(
        request,
        object_storage.open(picture.key),
        size=picture.size,
        content_type=picture.content_type,
        etag=picture.sha256,
        cache_seconds=PREVIEW_CACHE_SECONDS,
    )
