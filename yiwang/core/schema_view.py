"""The OpenAPI schema's view. Apart from core.schema, which DRF's settings import while
drf-spectacular's views are still being defined."""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings


class SchemaView(SpectacularAPIView):
    """The schema, generated once a process for each API version and language.

    It changes only with the code, and generating it takes seconds (over a megabyte for
    every module's operations), so every docs page that opened would otherwise wait that
    long. The schema is the same for every reader (SERVE_PUBLIC), so one copy serves all.
    Only a language of settings.LANGUAGES and a version the API allows (or none) are kept:
    whatever else a client sends in `?lang=` or `?version=` is generated for that request
    alone, so that it cannot fill the process's memory. The view's urlconf and patterns
    are the project's, as set here: one key needs neither."""

    _generated: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        try:
            language = translation.get_supported_language_variant(translation.get_language())
        except LookupError:
            language = None
        kept = language is not None and (
            version is None or version in (api_settings.ALLOWED_VERSIONS or ())
        )
        key = (version, language)
        schema = self._generated.get(key) if kept else None
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            if kept:
                self._generated[key] = schema
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
