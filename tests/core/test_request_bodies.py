"""A field the client did not send is not sent: every operation that accepts a form reads an
empty form exactly as it reads an empty JSON object (issue 13: a multipart PUT without
isPublished unpublished the voice)."""

import pytest
from django.http import QueryDict
from drf_spectacular.generators import SchemaGenerator
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.serializers import BaseSerializer

FORM_PARSERS = (FormParser, MultiPartParser)


def _request_serializers(view):
    declared = view.schema.get_request_serializer()
    candidates = declared.values() if isinstance(declared, dict) else [declared]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseSerializer):
            yield candidate
        elif isinstance(candidate, BaseSerializer) and not getattr(candidate, "many", False):
            yield type(candidate)


def _form_operations():
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        if not any(issubclass(parser, FORM_PARSERS) for parser in view.parser_classes):
            continue
        for serializer_class in _request_serializers(view):
            yield pytest.param(serializer_class, id=f"{method} {path} {serializer_class.__name__}")


def _outcome(serializer):
    return dict(serializer.validated_data) if serializer.is_valid() else sorted(serializer.errors)


@pytest.mark.parametrize("serializer_class", list(_form_operations()))
def test_an_empty_form_reads_as_an_empty_json_object(serializer_class):
    assert _outcome(serializer_class(data=QueryDict(""))) == _outcome(serializer_class(data={}))
