"""The JSON renderer of every API: DRF's, encoding with orjson.

DRF encodes with the standard library's ``json``, in Python: about a tenth of the voice catalogue's
page went there (docs/platform/performance.md). orjson writes the same document several times
faster. What the two would write differently is left to DRF: anything orjson does not encode
itself (date-times, decimals, lazy strings, querysets, arrays with ``tolist``) goes through DRF's
own encoder, and a document orjson refuses (an integer beyond 64 bits, a key that is not a string,
deeper than 254 levels), an ``indent`` asked for in ``Accept``, or settings other than DRF's
compact UTF-8 default are rendered by DRF itself. Two deliberate differences: a float that is not
a number is written ``null`` where DRF would fail the response, and floats are written in their
shortest form (``0.00001`` for ``1e-05``), the same number to any JSON reader."""

import orjson
from rest_framework import renderers

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# DRF escapes the two JavaScript line terminators JSON allows in strings (see its JSONRenderer).
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.compact
            and not self.ensure_ascii
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        ):
            try:
                body = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                if _LINE_SEPARATOR in body or _PARAGRAPH_SEPARATOR in body:
                    body = body.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
                return body
        return super().render(data, accepted_media_type, renderer_context)
