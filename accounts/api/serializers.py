from rest_framework import serializers

from core.serializers import ModelSerializer, Serializer

from ..models import User


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class TokenInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenOutput(Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField()


class UserOutput(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "verified", "is_staff", "date_joined"]


class MeOutput(Serializer):
    user = UserOutput()


class AuthTokensOutput(TokenOutput):
    user = UserOutput()


# --- the Respeecher gateway shapes --------------------------------------------------
class LoginInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    session_duration = serializers.IntegerField(required=False, min_value=60, max_value=30 * 24 * 3600)


class GroupOutput(Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class GatewayUserOutput(Serializer):
    """The gateway's User: id, email, username, first/last name, verified, roles, groups."""

    id = serializers.UUIDField()
    email = serializers.EmailField()
    username = serializers.SerializerMethodField()
    first_name = serializers.SerializerMethodField()
    last_name = serializers.SerializerMethodField()
    verified = serializers.BooleanField()
    roles = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    def get_username(self, user) -> str:
        return user.name

    def get_first_name(self, user) -> str:
        return user.display_name.split(" ", 1)[0] if user.display_name else ""

    def get_last_name(self, user) -> str:
        parts = user.display_name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""

    def get_roles(self, user) -> list[str]:
        return ["admin", "user"] if user.is_staff else ["user"]

    def get_groups(self, user) -> list[dict]:
        return GroupOutput(user.teams.all(), many=True).data


class LoginOutput(Serializer):
    user = GatewayUserOutput()
    csrf_token = serializers.CharField()


class ApiKeyInput(serializers.Serializer):
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyOutput(Serializer):
    api_key = serializers.CharField()


class DetailOutput(Serializer):
    detail = serializers.CharField(default="OK")


class CreditsOutput(Serializer):
    credits = serializers.FloatField()
    initial_credits = serializers.FloatField()
