"""The generated OpenAPI document, and a check that a real response matches what it declares."""

from __future__ import annotations

import copy
import json
from functools import lru_cache

import jsonschema


@lru_cache(maxsize=1)
def document() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def operations():
    """(method, path, operation) for every operation in the document."""
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _as_json_schema(schema):
    """OpenAPI 3.0 -> JSON Schema: $refs inlined, `nullable` as a null type."""
    if isinstance(schema, list):
        return [_as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = resolve(schema)
    converted = {
        key: _as_json_schema(value) for key, value in schema.items() if key not in ("nullable", "readOnly", "writeOnly")
    }
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def assert_matches(response, method: str, path: str) -> None:
    """The response's JSON body validates against the schema ``path`` declares for its status."""
    operation = document()["paths"][path][method.lower()]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{method} {path}: status {response.status_code} is not documented"
    schema = declared["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), _as_json_schema(copy.deepcopy(schema)))
