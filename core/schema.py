"""OpenAPI generation (drf-spectacular) that knows the dialects.

Success responses are wrapped in the view's dialect envelope, paginated lists use
the dialect's paginator schema, and each operation lists its dialect's error bodies:
each shape is the dialect's own (``Dialect.success_schema``/``error_schema``), next to
the code that builds it.
A paginated view sets ``paginated = True`` and declares ``responses=Item(many=True)``.
"""

from drf_spectacular.openapi import AutoSchema

_STRING = {"type": "string"}


class DialectAutoSchema(AutoSchema):
    @property
    def dialect(self):
        return getattr(self.view, "dialect", None)

    def _get_paginator(self):
        if getattr(self.view, "paginated", False) and self.dialect and self.dialect.pagination_class:
            return self.dialect.pagination_class()
        return None

    def get_override_parameters(self):
        from drf_spectacular.utils import OpenApiParameter

        paginator = self._get_paginator()
        params = super().get_override_parameters()
        params.append(
            OpenApiParameter(
                "X-Request-ID",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Your id for this call (1-128 of A-Za-z0-9._-), echoed back; one is generated otherwise.",
            )
        )
        if getattr(self.view, "idempotent_post", False) and self.method == "POST":
            params.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Makes this POST safe to repeat for 24 hours: the same key with the same request "
                    "replays the first response (Idempotent-Replayed: true) and does nothing again; "
                    "with another request it is 422; while the first is still running, 409. "
                    "Keys are yours alone (per user or partner key).",
                )
            )
        if paginator and self.method == "GET":
            # The paginator's own schema, bounds included (type=dict is used as the raw schema).
            for spec in paginator.get_schema_operation_parameters(self.view):
                params.append(
                    OpenApiParameter(spec["name"], type=spec["schema"], location=OpenApiParameter.QUERY, required=False)
                )
        return params

    def get_request_serializer(self):
        # A DELETE has a body only when extend_schema(request=...) declares one (that override
        # answers before this method is reached).
        if self.method == "DELETE":
            return None
        return super().get_request_serializer()

    def _get_request_body(self, direction="request"):
        # drf-spectacular shows bodies on POST/PUT/PATCH only; a DELETE that declares one
        # (DELETE /api/notes names its note in a JSON body, as the gateway documents) shows it too.
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def get_description(self):
        """Written for the API's users (core/schema_descriptions.py, or extend_schema(description=...),
        which takes precedence), never a view's docstring: that is written for its maintainers."""
        from .schema_descriptions import OPERATION_DESCRIPTIONS

        return OPERATION_DESCRIPTIONS.get(self.get_operation_id(), "")

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        dialect = self.dialect
        if dialect is None or not str(status_code).startswith("2"):
            return response
        for media_type, media in response.get("content", {}).items():
            if media_type.endswith("json") and "schema" in media:
                media["schema"] = dialect.success_schema(media["schema"])
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        dialect = self.dialect
        if dialect is None:
            return responses
        idempotent = getattr(self.view, "idempotent_post", False) and self.method == "POST"
        for code, response in responses.items():
            response.setdefault("headers", {}).update(_RESPONSE_HEADERS)
            if idempotent and str(code).startswith("2"):
                response["headers"]["Idempotent-Replayed"] = {
                    "schema": {"type": "string", "enum": ["true"]},
                    "description": "Present on a replay of the response to an earlier request with this Idempotency-Key.",
                }
        codes = ["400", "401", "403", "404", "429"]
        if idempotent:
            codes += ["409", "422"]
        validation_status = str(dialect.generic["validation"][0])
        if validation_status not in codes:
            codes.append(validation_status)
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")  # the parsers refuse a body in a content type the operation does not take
            codes.append("413")  # every body is size-limited before it is read (core/body_limits.py)
        # Statuses only some operations answer (402 not enough credits, 409 already exists, 410
        # expired...): a view's ``error_statuses``, for all its methods or by method.
        declared = getattr(self.view, "error_statuses", ())
        codes.extend(declared.get(self.method, ()) if isinstance(declared, dict) else declared)
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": _ERROR_DESCRIPTIONS.get(code, "Error"),
                    "content": {"application/json": {"schema": dialect.error_schema(code)}},
                    "headers": dict(_RESPONSE_HEADERS),
                },
            )
        return responses


_RESPONSE_HEADERS = {
    "X-Request-ID": {
        "schema": _STRING,
        "description": "The id of this call (yours if valid, else generated): in our logs, on the jobs it "
        "started, and in the body of a 5xx error so you can quote it.",
    },
}

_ERROR_DESCRIPTIONS = {
    "400": "Bad request",
    "401": "Missing or invalid credentials",
    "402": "Not enough credits",
    "403": "Forbidden",
    "404": "Not found",
    "409": "Conflict with the current state (or a request with this Idempotency-Key still being processed)",
    "410": "Gone: the link has expired",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Validation error (or an Idempotency-Key used with a different request)",
    "429": "Too many requests",
}
