"""core.renderers.JSONRenderer: the bytes DRF's own JSON renderer writes, written by orjson, and DRF
itself for whatever orjson would write differently or refuses."""

import datetime
import decimal
import json
import uuid
import zoneinfo

import numpy
import pytest
from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework import renderers

from core.renderers import JSONRenderer


class Status(models.TextChoices):
    DONE = "done"


class Rank(models.IntegerChoices):
    GOLD = 3


DOCUMENTS = {
    "a page": {
        "count": 2,
        "next": None,
        "results": [
            {"id": 1, "title": "Première prise — 日本語", "ratio": 0.25, "public": True, "tags": ["a", "b"]},
            {"id": 2, "title": 'quotes " and \\ and \n newline', "ratio": -3.5, "public": False, "tags": []},
        ],
    },
    "values DRF's encoder turns into JSON": {
        "utc": datetime.datetime(2026, 12, 3, 13, 0, 0, 123456, tzinfo=datetime.UTC),
        "paris": datetime.datetime(2026, 12, 3, 14, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        "naive": datetime.datetime(2026, 12, 3, 13, 0),
        "day": datetime.date(2026, 12, 3),
        "time": datetime.time(13, 5, 7, 250000),
        "elapsed": datetime.timedelta(minutes=3),
        "price": decimal.Decimal("12.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "bytes": b"raw",
        "array": numpy.arange(3),
        "tuple": (1, "two"),
    },
    "JavaScript line terminators": {"text": "one\u2028two\u2029three"},
    "a model choice": {"status": Status.DONE, "rank": Rank.GOLD},
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_writes_the_bytes_drf_writes(name):
    document = DOCUMENTS[name]

    assert JSONRenderer().render(document) == renderers.JSONRenderer().render(document)


@pytest.mark.parametrize(
    "document",
    [{"big": 2**70}, {1: "a key that is not a string"}, json.loads("[" * 300 + "]" * 300)],
    ids=["an integer beyond 64 bits", "a key that is not a string", "300 levels deep"],
)
def test_what_orjson_refuses_is_written_by_drf(document):
    assert JSONRenderer().render(document) == renderers.JSONRenderer().render(document)


def test_an_indent_asked_for_is_given():
    document = {"a": [1, 2]}

    body = JSONRenderer().render(document, "application/json; indent=2")

    assert body == renderers.JSONRenderer().render(document, "application/json; indent=2")
    assert body.startswith(b"{\n  ")


def test_what_no_encoder_knows_still_fails_the_response():
    with pytest.raises(TypeError):
        JSONRenderer().render({"object": object()})


def test_a_float_that_is_not_a_number_is_null_where_drf_fails():
    with pytest.raises(ValueError):
        renderers.JSONRenderer().render({"loudness": float("-inf")})

    assert JSONRenderer().render({"loudness": float("-inf"), "peak": float("nan")}) == b'{"loudness":null,"peak":null}'


def test_floats_read_back_as_the_same_numbers():
    document = {"tiny": 1e-05, "huge": 1e16, "third": 1 / 3, "negative": -2.5e-300}

    assert json.loads(JSONRenderer().render(document)) == document


def test_the_apis_render_with_it(client):
    response = client.get("/api/v1/voicestamps")

    assert response.status_code == 401
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.json()
