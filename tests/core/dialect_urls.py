"""Views that exist only to exercise each dialect's handling of every kind of failure."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.dialects import CONVERSIONS, GALLERY, PARTNERS, STAMPS, ApiError, DialectResponse, DialectView, ResponseMeta


class Payload(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=0)


def make_view(dialect):
    class Probe(DialectView):
        permission_classes = [AllowAny]

        def get(self, request, case):
            if case == "ok":
                return DialectResponse({"value": 1}, meta=ResponseMeta(message="fine"))
            if case == "list":
                return DialectResponse([1, 2, 3])
            if case == "crash":
                raise RuntimeError("boom")
            if case == "conflict":
                raise ApiError("conflict", code="IN_USE", message="In use.", extra={"affected": 2})
            if case == "page":
                from accounts.models import User

                return self.paginate(User.objects.order_by("email"), lambda rows: [u.email for u in rows])
            raise ApiError("not_found")

        def post(self, request, case):
            data = Payload(data=request.data)
            data.is_valid(raise_exception=True)
            return DialectResponse(data.validated_data, status=201)

    Probe.dialect = dialect
    Probe.__name__ = f"{dialect.name.title()}Probe"
    return Probe.as_view()


def make_protected_view(dialect):
    class Protected(DialectView):
        def get(self, request):
            return DialectResponse({"email": request.user.email})

    Protected.dialect = dialect
    return Protected.as_view()


def crash_outside_drf(request):
    raise RuntimeError("boom outside DRF")


urlpatterns = [
    path("api/v1/voice-gallery/protected", make_protected_view(GALLERY)),
    path("api/v1/protected", make_protected_view(STAMPS)),
    path("v4/partners/protected", make_protected_view(PARTNERS)),
    path("api/protected", make_protected_view(CONVERSIONS)),
    path("api/v1/voice-gallery/probe/<str:case>", make_view(GALLERY)),
    path("api/v1/probe/<str:case>", make_view(STAMPS)),
    path("v4/partners/probe/<str:case>", make_view(PARTNERS)),
    path("api/probe/<str:case>", make_view(CONVERSIONS)),
    path("api/crash", crash_outside_drf),
    path("", include("voiceplatform.urls")),
]

handler404 = "core.dialects.not_found_handler"
handler500 = "core.dialects.server_error_handler"
