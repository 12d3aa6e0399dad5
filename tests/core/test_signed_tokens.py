"""The signed tokens behind local signed downloads and upload slots (core.signed_tokens)."""

import time

from django.core import signing

from core.signed_tokens import TokenSigner

downloads = TokenSigner("core.storage.download")
uploads = TokenSigner("core.storage.upload")
CLAIMS = {"k": "gallery/voices/ab/cd.mp3", "fn": "naïve “name”.mp3", "ct": "audio/mpeg"}


def test_a_token_reads_back_its_claims_until_it_expires(time_machine):
    time_machine.move_to(1_800_000_000, tick=False)
    token = downloads.sign(CLAIMS, expires_in=60)
    assert downloads.read(token) == {**CLAIMS, "exp": 1_800_000_060}
    time_machine.move_to(1_800_000_060, tick=False)
    assert downloads.read(token) is not None
    time_machine.move_to(1_800_000_061, tick=False)
    assert downloads.read(token) is None


def test_a_token_is_url_safe_and_has_no_padding():
    token = downloads.sign(CLAIMS, expires_in=60)
    mac = token.split(".")[1]
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(mac) == 43  # the whole HMAC-SHA256


def test_a_changed_payload_or_mac_is_refused():
    token = downloads.sign(CLAIMS, expires_in=60)
    payload, mac = token.split(".")
    other_payload = downloads.sign({**CLAIMS, "k": "other/key.mp3"}, expires_in=60).split(".")[0]
    for forged in [
        f"{other_payload}.{mac}",
        f"{payload}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{payload}.",
        payload,
        "",
        "ü.ü",
        token + "x",
    ]:
        assert downloads.read(forged) is None, forged


def test_a_token_serves_only_its_purpose():
    assert uploads.read(downloads.sign(CLAIMS, expires_in=60)) is None


def test_tokens_of_a_rotated_secret_read_while_it_is_a_fallback(settings):
    settings.SECRET_KEY = "old secret " * 5
    token = downloads.sign(CLAIMS, expires_in=60)
    settings.SECRET_KEY = "new secret " * 5
    assert downloads.read(token) is None
    settings.SECRET_KEY_FALLBACKS = ["old secret " * 5]
    assert downloads.read(token)["k"] == CLAIMS["k"]
    assert downloads.read(downloads.sign(CLAIMS, expires_in=60))["k"] == CLAIMS["k"]


def test_tokens_in_djangos_signing_format_no_longer_read():
    """Tokens issued before this format (django.core.signing) are refused: they lived minutes."""
    old = signing.dumps({**CLAIMS, "exp": int(time.time()) + 60}, salt="core.storage.download", compress=True)
    assert downloads.read(old) is None
