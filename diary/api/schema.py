"""How the OpenAPI schema describes the API's authentication, errors and DELETE bodies."""

from __future__ import annotations

import zoneinfo

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "diary.api.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "The session token from allauth's app client login or signup.",
        }


class DecimalFieldScheme(OpenApiSerializerFieldExtension):
    """Decimals answer as JSON numbers and are read from a number or a plain decimal string."""

    target_class = "diary.api.serializers.StrictDecimalField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        number: dict[str, str | float] = {"type": "number", "format": "double"}
        if field.min_value is not None:
            number["minimum"] = float(field.min_value)
        if field.max_value is not None:
            number["maximum"] = float(field.max_value)
        if direction == "response":
            return number
        return {
            "oneOf": [number, {"type": "string", "pattern": field.string_pattern}],
            "description": f"At most {field.decimal_places} decimal places.",
        }


class DeleteWithBodySchema(AutoSchema):
    """For a DELETE that reads a JSON body (a password, a push endpoint).

    drf-spectacular documents bodies only for POST, PUT and PATCH; OpenAPI 3.0 allows one on
    DELETE, and without it clients (and Schemathesis) would not know what to send.
    """

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "Why the request was refused, for people.",
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": "DRF's shape: each refused field (or non_field_errors) with a list of "
    "messages; a list field's entry holds one such object per item.",
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
NOT_FOUND_HTML = {
    "type": "string",
    "description": "A path id that is not a number matches no URL: the site's 404 page.",
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def add_error_responses(result, generator, request, public):
    """Document the errors every /api/v1/ operation can answer, where DRF raises them.

    An operation's own @extend_schema responses win; this only fills in the common ones:
    400 where the request carries input (body, query or a free-form path segment), 401 and
    403 where sign-in is required, 404 where the path names an object or a file format is
    chosen, 415 where a body is parsed, 429 where writes are throttled.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    schemas["TimeZone"] = {
        "type": "string",
        "enum": sorted(zoneinfo.available_timezones()),
        "description": "An IANA time zone name.",
    }
    for path, operations in result["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            parameters = operation.get("parameters", [])
            security = operation.get("security", [])
            authenticated = bool(security) and {} not in security
            has_body = "requestBody" in operation
            id_in_path = any(
                p["in"] == "path" and p["schema"].get("type") == "integer" for p in parameters
            )
            validated = has_body or any(
                p["name"] != "format"
                and not (p["in"] == "path" and p["schema"].get("type") == "integer")
                for p in parameters
            )
            if validated:
                responses.setdefault(
                    "400",
                    {
                        "description": "Invalid input, with the refused fields named.",
                        "content": _json({"$ref": "#/components/schemas/ValidationError"}),
                    },
                )
            if authenticated:
                responses.setdefault(
                    "401",
                    {"description": "Not signed in.", "content": _json(ERROR_REF)},
                )
                responses.setdefault(
                    "403",
                    {
                        "description": "Signed in but not allowed: another role, a clinician "
                        "without a second factor, or a cookie session without its CSRF token.",
                        "content": _json(ERROR_REF),
                    },
                )
            if any(p["in"] == "path" or p["name"] == "format" for p in parameters):
                content = _json(ERROR_REF)
                if id_in_path:
                    content["text/html"] = {"schema": NOT_FOUND_HTML}
                responses.setdefault(
                    "404",
                    {
                        "description": "No such object within the caller's reach, or a file "
                        "format this operation does not serve.",
                        "content": content,
                    },
                )
            if has_body:
                responses.setdefault(
                    "415",
                    {
                        "description": "A body in a media type not listed.",
                        "content": _json(ERROR_REF),
                    },
                )
            if method != "get":
                responses.setdefault(
                    "429",
                    {"description": "Too many writes; retry later.", "content": _json(ERROR_REF)},
                )
            operation["responses"] = dict(sorted(responses.items()))
    return result
