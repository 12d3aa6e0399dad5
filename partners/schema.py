"""How the Partner API appears in the OpenAPI schema: the X-API-KEY scheme, the TEST-MODE
header and the documented shapes. Output is built by plain functions in serializers.py
(fast for big lists); these classes describe the same shapes, and a test keeps them equal."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .serializers import PLAYER_STYLES


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-KEY",
                "description": "Your partner key. Unknown key: 404; Partner Program access not enabled: 401."}


# Ids are numbers; the routes take any text so that a non-number is answered with its documented
# error code (100, 101, 102) rather than a bare 404.
PROGRAM_ID = OpenApiParameter("program_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
JOB_ID = OpenApiParameter("job_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TALENT_ID = OpenApiParameter("talent_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TEST_MODE = OpenApiParameter("TEST-MODE", int, OpenApiParameter.HEADER, required=False, enum=[0, 1],
                             description="1 forces test mode: writes are validated and nothing is saved. 0 or no header: the "
                             "account's mode. Any other value is a 400.")


class ProgramSchema(serializers.Serializer):
    program_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class ScriptFileSchema(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(help_text="Signed, expiring download link.")


class JobSchema(serializers.Serializer):
    job_id = serializers.IntegerField()
    program_id = serializers.IntegerField()
    talent_id = serializers.IntegerField()
    sample_script = serializers.CharField()
    script_file = ScriptFileSchema(allow_null=True)
    job_description = serializers.CharField()
    job_status = serializers.ChoiceField(choices=["new", "assigned", "edit", "approved"])
    edit_count = serializers.IntegerField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


DemoUrlsSchema = type("DemoUrlsSchema", (serializers.Serializer,), {
    "audio_url": serializers.URLField(),
    **{style: serializers.URLField() for style in PLAYER_STYLES},
})


class DemoSchema(serializers.Serializer):
    url = DemoUrlsSchema()
    tags = serializers.ListField(child=serializers.CharField())


class TalentSchema(serializers.Serializer):
    talent_id = serializers.IntegerField()
    talent_url = serializers.URLField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    gender = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    feedback = serializers.CharField()
    avatar = serializers.URLField(allow_null=True)
    demo = DemoSchema(many=True)


class JobCreateSchema(serializers.Serializer):
    program_id = serializers.IntegerField(min_value=1, help_text="Anything but a number is error 100.")
    talent_id = serializers.IntegerField(min_value=1, help_text="Anything but a number is error 102.")
    script_file = serializers.FileField(required=False, help_text="txt, rtf, pdf, docx or odt (checked by content).")
    sample_script = serializers.CharField(required=False)
    job_description = serializers.CharField()


class JobCreatedSchema(serializers.Serializer):
    job_id = serializers.IntegerField(allow_null=True, help_text="null in test mode: nothing was created.")


class EditFileSchema(serializers.Serializer):
    edit_notes = serializers.CharField()
