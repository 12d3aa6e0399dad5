"""The official Respeecher TTS client (github.com/respeecher/respeecher_tts, not on PyPI) against a
live server and a real Celery worker.

``respeecher_tts`` is not published on PyPI, so its call sequence is replayed here request for
request: the same headers (``api-key`` and ``content-type: application/json`` on every request),
paths, query parameters and bodies, parsed by pydantic models that require what the client's
models require (``tags`` on every narration style, the recording states it knows) and, like the
client's, ignore fields they do not name. Nothing waits between creating the TTS original and
ordering its conversion, as in ``RespeecherTTS.synthesize``.
"""

from __future__ import annotations

import io
import logging
import math
import time
from datetime import datetime
from enum import Enum
from typing import Literal

import pytest
import requests
import soundfile
from pydantic import BaseModel

from accounts.services import create_api_key, grant_credits
from conversions.catalogue.seed import seed_catalogue
from conversions.models import Order
from core.media import asr
from tests.media import assert_heard

logger = logging.getLogger(__name__)

PAGINATION_LIMIT = 50
DEFAULT_PROJECT = "Default Project"
DEFAULT_FOLDER = "Default Folder"
POLL_PERIOD = 0.5
SENTENCE = "The morning train to the city leaves from the second platform."


# --- what the client parses -------------------------------------------------------------------
class User(BaseModel):
    id: str
    email: str
    username: str
    verified: bool
    roles: list[str]


class Pagination(BaseModel):
    count: int
    limit: int
    offset: int


class NarrationStyleTag(BaseModel):
    name: str


class NarrationStyle(BaseModel):
    id: str
    is_default: bool
    tags: list[NarrationStyleTag]
    name: str | None = None


class Voice(BaseModel):
    id: str
    name: str
    narration_styles: list[NarrationStyle]


class VoicePage(BaseModel):
    list: list[Voice]
    pagination: Pagination


class Project(BaseModel):
    id: str
    name: str
    owner: str
    slug: str
    created_at: datetime


class ProjectPage(BaseModel):
    list: list[Project]
    pagination: Pagination


class Folder(BaseModel):
    id: str
    name: str
    project_id: str
    created_at: datetime


class FolderPage(BaseModel):
    list: list[Folder]
    pagination: Pagination


class RecordingState(str, Enum):
    processing = "processing"
    postprocessing = "postprocessing"
    done = "done"
    error = "error"


class Recording(BaseModel):
    id: str
    project_id: str
    parent_folder_id: str
    type: Literal["original", "converted"]
    state: RecordingState
    url: str | None
    text: str | None
    error: str | None
    created_at: datetime


class OrderResponse(BaseModel):
    id: str
    original_id: str
    conversion_id: str
    created_at: datetime


# --- the client's calls, in its order ------------------------------------------------------------
class ClientReplay:
    """``RespeecherTTS(api_key, domain=...)`` then ``synthesize(text, voice, narration_style)``."""

    def __init__(self, domain: str, api_key: str, timeout: float):
        self.domain = domain
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"api-key": api_key, "content-type": "application/json"})
        self.user = User.model_validate(self._ok(self.session.post(f"{domain}/api/auth")))
        self.voices = self._voices()

    @staticmethod
    def _ok(response: requests.Response):
        assert response.ok, (response.status_code, response.request.method, response.url, response.text)
        return response.json()

    def _voice_page(self, offset: int) -> VoicePage:
        page = VoicePage.model_validate(
            self._ok(
                self.session.get(
                    f"{self.domain}/api/v2/voices",
                    params={"limit": PAGINATION_LIMIT, "offset": offset, "sort": "name", "direction": "asc"},
                )
            )
        )
        for voice in page.list:
            for style in voice.narration_styles:
                style.name = ", ".join(tag.name for tag in style.tags)
        return page

    def _voices(self) -> list[Voice]:
        first = self._voice_page(0)
        voices = first.list
        for index in range(1, math.ceil(first.pagination.count / PAGINATION_LIMIT)):
            voices.extend(self._voice_page(index * PAGINATION_LIMIT).list)
        return [voice for voice in voices if voice.narration_styles]

    def lookup(self, voice_name: str, narration_style_tags: tuple[str, ...] | None) -> tuple[str, str]:
        """The newer client's choice: the style holding all the asked tags with the fewest others."""
        voice = next(voice for voice in self.voices if voice.name == voice_name)
        if not narration_style_tags:
            return voice.id, next(style for style in voice.narration_styles if style.is_default).id
        best, chosen = 0.0, None
        for style in voice.narration_styles:
            tags = [tag.name for tag in style.tags]
            matches = len([tag for tag in tags if tag in narration_style_tags])
            if matches != len(narration_style_tags):
                continue
            if matches / len(tags) > best:
                best, chosen = matches / len(tags), style
        assert chosen is not None, f"no narration style of {voice_name} has the tags {narration_style_tags}"
        return voice.id, chosen.id

    def _by_name(self, path: str, params: dict, page_model, model, name: str, create: dict):
        """The client's paging search for an object by name, created when missing."""
        offset = 0
        while True:
            page = page_model.model_validate(
                self._ok(
                    self.session.get(
                        f"{self.domain}{path}", params={**params, "limit": PAGINATION_LIMIT, "offset": offset}
                    )
                )
            )
            found = next((item for item in page.list if item.name == name), None)
            if found:
                return found
            if len(page.list) < page.pagination.limit:
                break
            offset += PAGINATION_LIMIT
        return model.model_validate(self._ok(self.session.post(f"{self.domain}{path}", json=create)))

    def project(self) -> Project:
        return self._by_name(
            "/api/projects",
            {"owner": self.user.id},
            ProjectPage,
            Project,
            DEFAULT_PROJECT,
            {"owner": self.user.id, "models": {}, "name": DEFAULT_PROJECT},
        )

    def folder(self, project_id: str) -> Folder:
        return self._by_name(
            "/api/folders",
            {"project_id": project_id},
            FolderPage,
            Folder,
            DEFAULT_FOLDER,
            {"project_id": project_id, "name": DEFAULT_FOLDER},
        )

    def synthesize(self, text: str, voice: str, narration_style_tags=None, language: str = "en"):
        project = self.project()
        folder = self.folder(project.id)
        voice_id, style_id = self.lookup(voice, narration_style_tags)
        original = Recording.model_validate(
            self._ok(
                self.session.post(
                    f"{self.domain}/api/v2/recordings/tts",
                    json={"parent_folder_id": folder.id, "text": text, "text_language": language},
                )
            )
        )
        order = OrderResponse.model_validate(
            self._ok(
                self.session.post(
                    f"{self.domain}/api/v2/orders",
                    json={
                        "original_id": original.id,
                        "conversions": [{"voice_id": voice_id, "narration_style_id": style_id}],
                    },
                )
            )[0]
        )
        conversion = self._wait(order.conversion_id)
        response = self.session.get(f"{self.domain}{conversion.url}")
        assert response.ok, response.status_code
        samples, rate = soundfile.read(io.BytesIO(response.content))
        return original, order, conversion, samples, rate

    def _wait(self, conversion_id: str) -> Recording:
        start = time.monotonic()
        while True:
            time.sleep(POLL_PERIOD)  # the client's poll period, not a wait for luck
            conversion = Recording.model_validate(
                self._ok(self.session.get(f"{self.domain}/api/recordings/{conversion_id}"))
            )
            if conversion.state == RecordingState.done:
                return conversion
            assert conversion.state != RecordingState.error, conversion.error
            assert time.monotonic() - start < self.timeout, "conversion timeout"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_official_client_flow_synthesizes_a_sentence(live_server, user, celery_worker, tts_voices, tmp_path):
    seed_catalogue()
    grant_credits(user, 100)
    _, api_key = create_api_key(user)

    started = time.monotonic()
    client = ClientReplay(live_server.url, api_key, timeout=240)
    assert {voice.name for voice in client.voices} >= {"Aria", "Clara", "Hugo"}
    aria = next(voice for voice in client.voices if voice.name == "Aria")
    assert [style.name for style in aria.narration_styles] == ["Neutral, Calm", "Storyteller, Warm, Expressive"]
    original, order, conversion, samples, rate = client.synthesize(SENTENCE, "Aria")
    elapsed = time.monotonic() - started
    logger.warning("client flow, one sentence: %.1f s end to end", elapsed)

    # The order was accepted while the original was still rendering, and converted afterwards.
    assert original.state == RecordingState.processing
    assert conversion.type == "converted" and conversion.text == SENTENCE
    assert len(samples) / rate > 2
    heard = tmp_path / "heard.wav"
    soundfile.write(heard, samples, rate)
    assert_heard(SENTENCE, asr.transcribe(heard).text, key_words=("train", "city"), max_wer=0.5)
    assert Order.objects.get(pk=order.id).narration_style.name == "Neutral"

    # A second client finds the default project and folder by name and picks a style by its tags.
    again = ClientReplay(live_server.url, api_key, timeout=240)
    _, second, _, _, _ = again.synthesize("A short second sentence.", "Aria", narration_style_tags=("Warm",))
    assert Order.objects.get(pk=second.id).narration_style.name == "Storyteller"
    assert (
        Order.objects.get(pk=second.id).original.parent_folder_id
        == Order.objects.get(pk=order.id).original.parent_folder_id
    )
