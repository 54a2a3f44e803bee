from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus the domain's Django ValidationErrors as 400 {field: [messages]}."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


class JSONErrorsMixin(APIView):
    """For views that render files (PDF, CSV, FHIR): their errors go out as application/json.

    Without it an error (a 404, or ?format= naming no renderer) is labelled with the file's
    media type, which no client can parse as the documented error object.
    """

    def initial(self, request, *args, **kwargs):
        # DRF answers 404 to ?format= naming no renderer but ignores an empty one; refuse both.
        requested = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if requested is not None and requested not in {r.format for r in self.get_renderers()}:
            raise exceptions.NotFound(f"No such format: {requested!r}.")
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
