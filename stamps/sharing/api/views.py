"""Sharing HTTP: the owner's share endpoints, public access and replies (the share page is in
``stamps.sharing.page_views``)."""

from __future__ import annotations

import hashlib

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny

from core.body_limits import upload_limit
from core.dialects import STAMPS, DialectResponse, DialectView, ResponseMeta
from core.parsers import JSONParser
from core.serializers import validated
from core.throttles import RateThrottle, client_address

from . import schema
from .. import selectors
from . import serializers as io
from .. import services
from ..models import ShareRecipient

PASSWORD_HEADER = "X-Share-Password"
TOKEN_HEADER = "X-Share-Token"
_TRUE = {"1", "true", "yes", "on"}


# --- throttles (core.throttles.RateThrottle; rates in settings.THROTTLE_RATES) -------------
class ShareSendThrottle(RateThrottle):
    """Per user: how many emails and SMS one account may send."""

    scope = "stamps_share_send"


class ReplyThrottle(RateThrottle):
    """Per client address: replies are anonymous, so this is what stops reply spam."""

    scope = "stamps_share_reply"

    def get_caller(self, request, view):
        return self.get_ident(request)


def viewer_key(request, access: selectors.Access) -> str:
    """Who counts as one viewer: the account, the invited recipient, else the client address and browser."""
    if access.recipient is not None:
        return f"recipient:{access.recipient.pk}"
    if getattr(request.user, "is_authenticated", False):
        return f"user:{request.user.pk}"
    ident = client_address(request)
    agent = request.headers.get("User-Agent", "")
    return "visitor:" + hashlib.sha256(f"{ident}|{agent}".encode()).hexdigest()[:32]


# --- the owner's endpoints -----------------------------------------------------------------
_INVITATION_OUT = inline_serializer(
    "ShareInvitationOut",
    {
        "share_code": serializers.CharField(),
        "public_url": serializers.URLField(
            help_text="The share's page. A private share (the default for invitations) "
            "opens there only with a personal link."
        ),
        "recipient_url": serializers.URLField(
            help_text="The personal link this recipient was sent: the share as they see it."
        ),
        "owner_preview_url": serializers.URLField(
            help_text="Your preview of what recipients see; views through it are not counted. Do not forward it."
        ),
        "email_sent": serializers.BooleanField(required=False),
        "sms_sent": serializers.BooleanField(required=False),
        "recipient": io.ShareRecipientOut(),
        "delivery": io.ShareDeliveryOut(),
    },
)
_SHARE_ACCESS = [
    OpenApiParameter(
        "X-Share-Password",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description="The password of a password share.",
    ),
    OpenApiParameter(
        "token",
        selectors.TOKEN_SCHEMA,
        OpenApiParameter.QUERY,
        required=False,
        description="An invited recipient's personal access token (or the X-Share-Token header).",
    ),
]


class ShareCreateView(DialectView):
    idempotent_post = True
    dialect = STAMPS

    @extend_schema(
        request=io.ShareOptionsIn, responses={201: io.ShareCreatedOut}, operation_id="voicestamps_share_create"
    )
    def post(self, request, stamp_id):
        data = validated(io.ShareOptionsIn, request.data)
        share = services.create_share(
            request.user,
            stamp_id,
            privacy=data["privacy"],
            expires_at=data.get("expires_at"),
            password=data["password"],
            allow_replies=data["allow_replies"],
        )
        share = selectors.owned_share(share.stamp, share.share_code)
        return DialectResponse(io.ShareCreatedOut(share).data, status=201)


class _InvitationView(DialectView):
    idempotent_post = True
    dialect = STAMPS
    throttle_classes = [ShareSendThrottle]
    input_serializer = io.EmailShareIn
    channel = ShareRecipient.Channel.EMAIL
    address_field = "recipient_email"
    sent_flag = "email_sent"

    def send_invitation(self, request, stamp_id):
        data = validated(self.input_serializer, request.data)
        share, recipient, delivery = services.invite(
            request.user,
            stamp_id,
            channel=self.channel,
            address=data[self.address_field],
            name=data.get("recipient_name", ""),
            message=data.get("message", ""),
            share_code=data.get("share_code") or None,
            share_options={key: data.get(key) for key in ("privacy", "expires_at", "password", "allow_replies")},
        )
        return DialectResponse(
            {
                "share_code": share.share_code,
                # The share's page; a private share opens there only with a personal link.
                "public_url": selectors.public_url(share),
                # The personal link this recipient was sent, and the owner's preview of what they see.
                "recipient_url": selectors.recipient_url(recipient),
                "owner_preview_url": selectors.owner_preview_url(share),
                # Accepted for delivery: the message is queued; delivery.state follows it to sent or failed.
                self.sent_flag: True,
                "recipient": io.ShareRecipientOut(recipient).data,
                "delivery": io.ShareDeliveryOut(delivery).data if delivery is not None else None,
            },
            status=201,
        )


class EmailShareView(_InvitationView):
    @extend_schema(request=io.EmailShareIn, responses={201: _INVITATION_OUT}, operation_id="voicestamps_share_email")
    def post(self, request, stamp_id):
        return self.send_invitation(request, stamp_id)


class SmsShareView(_InvitationView):
    input_serializer = io.SmsShareIn
    channel = ShareRecipient.Channel.SMS
    address_field = "recipient_phone"
    sent_flag = "sms_sent"

    @extend_schema(request=io.SmsShareIn, responses={201: _INVITATION_OUT}, operation_id="voicestamps_share_sms")
    def post(self, request, stamp_id):
        return self.send_invitation(request, stamp_id)


class ShareListView(DialectView):
    dialect = STAMPS
    paginated = True

    @extend_schema(responses=io.ShareOut(many=True), operation_id="voicestamps_shares_list")
    def get(self, request, stamp_id):
        stamp = selectors.owned_stamp(request.user, stamp_id)
        return self.paginate(selectors.shares_of_stamp(stamp), lambda rows: io.ShareOut(rows, many=True).data)


class ShareDetailView(DialectView):
    dialect = STAMPS

    @extend_schema(responses=io.ShareEnvelopeOut, operation_id="voicestamps_share_detail")
    def get(self, request, stamp_id, code):
        share = selectors.owned_share(selectors.owned_stamp(request.user, stamp_id), code)
        return DialectResponse({"share": io.ShareOut(share).data})

    @extend_schema(responses={200: io.ShareEnvelopeOut}, operation_id="voicestamps_share_revoke")
    def delete(self, request, stamp_id, code):
        share = services.revoke_share(request.user, stamp_id, code)
        share = selectors.owned_share(share.stamp, share.share_code)
        return DialectResponse({"share": io.ShareOut(share).data}, meta=_message("Share revoked"))


class ReplyListView(DialectView):
    dialect = STAMPS
    paginated = True

    @extend_schema(responses=io.ReplyOut(many=True), operation_id="voicestamps_replies_list")
    def get(self, request, stamp_id):
        stamp = selectors.owned_stamp(request.user, stamp_id)
        return self.paginate(
            selectors.replies_of_stamp(stamp),
            lambda rows: io.ReplyOut(rows, many=True, context={"request": request}).data,
        )


# --- public access ---------------------------------------------------------------------------
class _PublicShareView(DialectView):
    dialect = STAMPS
    permission_classes = [AllowAny]
    error_statuses = ("410",)  # the share has expired

    def open_share(self, request, code) -> selectors.Access:
        share = selectors.share_for_code(code)
        return selectors.resolve_access(
            share,
            user=request.user,
            access_token=request.query_params.get("token") or request.headers.get(TOKEN_HEADER),
            password=request.headers.get(PASSWORD_HEADER),
            client=client_address(request),
        )


class PublicShareView(_PublicShareView):
    @extend_schema(
        responses=schema.PublicShareOut,
        operation_id="voicestamp_public_share",
        parameters=[
            *_SHARE_ACCESS,
            OpenApiParameter(
                "track_view",
                bool,
                OpenApiParameter.QUERY,
                required=False,
                description="Count this view (once per viewer per window).",
            ),
        ],
    )
    def get(self, request, code):
        access = self.open_share(request, code)
        counted = False
        if request.query_params.get("track_view", "").lower() in _TRUE and access.viewer != "owner":
            counted = services.record_view(access.share, viewer_key(request, access))
        payload = io.public_share_out(access, selectors.share_content(access.share, request))
        payload["view_counted"] = counted
        payload["share"]["view_count"] = access.share.view_count
        return DialectResponse(payload)


class PublicShareDataView(_PublicShareView):
    @extend_schema(
        responses=schema.PublicShareDataOut, operation_id="voicestamp_public_share_data", parameters=_SHARE_ACCESS
    )
    def get(self, request, code):
        return DialectResponse(io.public_data_out(self.open_share(request, code)))


class ReplyView(DialectView):
    dialect = STAMPS
    permission_classes = [AllowAny]
    throttle_classes = [ReplyThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    error_statuses = ("410",)  # the share has expired
    max_body_bytes, body_too_large = upload_limit(
        "STAMPS_REPLY_MAX_AUDIO_BYTES", "The recording may be at most {max} bytes.", field="audio_file"
    )

    @extend_schema(request=io.ReplyIn, responses={201: io.ReplyEnvelopeOut}, operation_id="vst_reply_submit")
    def post(self, request, token):
        # An unknown, revoked or expired token is answered before the body is read.
        services.share_for_reply_token(token)
        data = validated(io.ReplyIn, request.data)
        reply = services.submit_reply(
            token, name=data["name"], message=data["message"], audio_file=data.get("audio_file")
        )
        return DialectResponse(
            {"reply": io.ReplyOut(reply, context={"request": request}).data}, status=201, meta=_message("Reply sent")
        )


def _message(text: str) -> ResponseMeta:
    return ResponseMeta(message=text)
