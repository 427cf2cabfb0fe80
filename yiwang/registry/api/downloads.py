"""File downloads of the API: the export's format picked from `?format=`."""

from rest_framework import renderers

from yiwang.core.exports import CONTENT_TYPES, CSV, XLSX


class _FileRenderer(renderers.BaseRenderer):
    """Picks the export's format from `?format=`; the view writes the file itself."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XlsxRenderer(_FileRenderer):
    media_type = CONTENT_TYPES[XLSX]
    format = XLSX


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = CSV
