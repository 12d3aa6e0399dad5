"""The OpenAPI document tells the truth (issue 13): success bodies are described, every operation
has a description written for its users, the statuses the API answers are documented, list
parameters carry their bounds, and ids, enums and bodies are declared as they are."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import get_doc

from tests.openapi import document, operations, resolve

BODY_METHODS = ("post", "put", "patch")


def _is_bare_object(schema: dict) -> bool:
    schema = resolve(schema)
    if any(_is_bare_object(part) for part in schema.get("allOf", [])):
        return True
    if "data" in schema.get("properties", {}) and _is_bare_object(schema["properties"]["data"]):
        return True
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and "additionalProperties" not in schema
        and "allOf" not in schema
    )


def test_no_success_body_is_a_bare_object():
    bare = [
        f"{method.upper()} {path} {code}"
        for method, path, operation in operations()
        for code, response in operation["responses"].items()
        if code.startswith("2")
        for content in response.get("content", {}).values()
        if _is_bare_object(content.get("schema", {}))
    ]
    assert not bare, "\n".join(bare)


def _docstrings() -> set[str]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = set()
    for _path, _regex, method, view in generator._get_paths_and_endpoints():
        for source in (view.__class__, getattr(view, method.lower(), None)):
            text = get_doc(source) if source is not None else ""
            if text:
                found.add(text)
    return found


def test_every_operation_has_a_description_written_for_its_users():
    docstrings = _docstrings()
    missing = [
        f"{method.upper()} {path} ({operation['operationId']})"
        for method, path, operation in operations()
        if not operation.get("description")
    ]
    internal = [
        f"{method.upper()} {path}: {operation['description'][:60]}"
        for method, path, operation in operations()
        if operation.get("description") in docstrings
    ]
    assert not missing, "no description:\n" + "\n".join(missing)
    assert not internal, "a maintainer's docstring as the description:\n" + "\n".join(internal)


# Statuses the code answers on these operations (the tests that prove each are named in
# docs/coverage/platform.md); every one must be in the document.
RETURNED = [
    ("post", "/api/v2/orders", "402"),
    ("post", "/api/v2/orders/retry/{recording_id}", "402"),
    ("post", "/api/v2/orders/retry/{recording_id}", "409"),
    ("post", "/api/notes", "409"),
    ("delete", "/api/v1/voice-gallery/{voice_id}", "409"),
    ("post", "/api/v1/security/vst/{vst_id}/audio", "409"),
    ("post", "/api/v1/security/vst/{vst_id}/image", "409"),
    ("put", "/api/v1/security/vst/{vst_id}/manifest", "409"),
    ("get", "/api/v1/security/vst/{vst_id}/package", "409"),
    ("get", "/api/v1/security/vst/{vst_id}/download", "409"),
    ("get", "/api/v1/voicestamp/public/{code}", "410"),
    ("get", "/api/v1/voicestamp/public/{code}/data", "410"),
    ("post", "/api/v1/security/vst/reply/{token}", "410"),
    ("get", "/api/v1/security/vst/{vst_id}/audio/{filename}", "410"),
    ("get", "/api/v1/security/vst/{vst_id}/image/{filename}", "410"),
    ("get", "/api/v1/files/{filename}", "410"),
    ("post", "/v4/partners/jobs", "409"),
]


@pytest.mark.parametrize("method, path, status", RETURNED, ids=[" ".join(row) for row in RETURNED])
def test_statuses_the_api_returns_are_documented(method, path, status):
    assert status in document()["paths"][path][method]["responses"]


def test_every_operation_with_a_body_documents_413_and_415():
    undocumented = [
        f"{method.upper()} {path} {code}"
        for method, path, operation in operations()
        if method in BODY_METHODS
        for code in ("413", "415")
        if code not in operation["responses"]
    ]
    assert not undocumented, "\n".join(undocumented)


def _bounded(schema: dict) -> bool:
    schema = resolve(schema)
    if "enum" in schema or schema.get("type") == "boolean" or schema.get("format") in ("uuid", "date-time", "date"):
        return True
    if schema.get("type") == "integer":
        return "minimum" in schema and "maximum" in schema
    if schema.get("type") == "string":
        return "maxLength" in schema or "pattern" in schema
    if schema.get("type") == "array":
        return _bounded(schema.get("items", {}))
    return False


def test_query_parameters_declare_their_bounds():
    unbounded = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for method, path, operation in operations()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and not _bounded(parameter.get("schema", {}))
    ]
    assert not unbounded, "\n".join(unbounded)


@pytest.mark.parametrize("path, name", [("/api/stats/folders", "folder_ids"), ("/api/stats/projects", "project_ids")])
def test_stats_declare_their_required_id_list(path, name):
    [parameter] = [p for p in document()["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert parameter["required"] is True and parameter["in"] == "query"
    assert parameter["schema"]["type"] == "array" and parameter["schema"]["items"]["format"] == "uuid"


def test_delete_notes_shows_its_body():
    body = document()["paths"]["/api/notes"]["delete"]["requestBody"]
    schema = resolve(body["content"]["application/json"]["schema"])
    assert "recording_id" in schema["properties"] and body["required"] is True


def _enum(schema: dict) -> list:
    schema = resolve(schema)
    return schema["enum"] if "enum" in schema else _enum(schema["allOf"][0])


def test_gallery_enums_are_enums():
    components = document()["components"]["schemas"]
    for name in (
        "GalleryVoiceOutput",
        "GalleryVoiceCreateInputRequest",
        "GalleryVoiceCreateFormInputRequest",
        "GalleryVoiceUpdateInputRequest",
    ):
        assert _enum(components[name]["properties"]["voiceCharacteristic"]) == ["Male", "Female", "Accent"]
    assert _enum(components["GalleryUploadUrlInputRequest"]["properties"]["fileType"]) == ["audio/mpeg"]


def test_partner_ids_are_integers():
    for _method, path, operation in operations():
        if path.startswith("/v4/"):
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ("program_id", "job_id", "talent_id"):
                    assert parameter["schema"]["type"] == "integer", (path, parameter)
    created = document()["components"]["schemas"]["JobCreateInRequest"]["properties"]
    assert created["program_id"]["type"] == created["talent_id"]["type"] == "integer"
