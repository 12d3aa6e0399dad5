"""The VST container: the writer streams, and the validator catches every kind of damage."""

import hashlib
import io
import json
import zipfile

import pytest

from stamps.packaging import vst


def _objects(**contents):
    return {key: data for key, data in contents.items()}


def _package(objects, manifest_extra=None, paths=None):
    entries = [
        vst.PackageEntry(paths[key] if paths else f"assets/{key}", key, len(data), hashlib.sha256(data).hexdigest())
        for key, data in objects.items()
    ]
    manifest = {
        "format": "vst",
        "format_version": "1.0",
        "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in entries],
        **(manifest_extra or {}),
    }
    out = io.BytesIO()
    vst.write_package(out, manifest, entries, lambda key: io.BytesIO(objects[key]))
    out.seek(0)
    return out


def test_written_packages_validate_and_put_the_manifest_first():
    package = _package(_objects(a=b"audio" * 1000, b=b"image"))
    manifest = vst.validate_package(package)
    assert [f["path"] for f in manifest["files"]] == ["assets/a", "assets/b"]
    names = zipfile.ZipFile(package).namelist()
    assert names == ["manifest.json", "assets/a", "assets/b"]
    info = zipfile.ZipFile(package).getinfo("assets/a")
    assert info.compress_type == zipfile.ZIP_STORED


def test_checksum_mismatch_while_writing_is_refused():
    entries = [vst.PackageEntry("assets/a", "a", 3, hashlib.sha256(b"abc").hexdigest())]
    with pytest.raises(vst.ChecksumMismatch):
        vst.write_package(io.BytesIO(), {"format": "vst"}, entries, lambda key: io.BytesIO(b"abd"))
    with pytest.raises(ValueError):
        vst.write_package(io.BytesIO(), {}, [vst.PackageEntry("../evil", "a", 1, "0")], lambda key: io.BytesIO())


def _rewrite(package, mutate):
    source = zipfile.ZipFile(package)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in mutate([(i.filename, source.read(i.filename)) for i in source.infolist()]):
            target.writestr(name, data)
    out.seek(0)
    return out


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (lambda items: items[1:] + items[:1], "first entry"),
        (lambda items: [(n, d if n != "assets/a" else d + b"!") for n, d in items], "size"),
        (lambda items: [(n, d if n != "assets/a" else d[:-1] + b"X") for n, d in items], "sha256"),
        (lambda items: [i for i in items if i[0] != "assets/b"], "missing"),
        (lambda items: items + [("extra.bin", b"x")], "not in the manifest"),
        (lambda items: [(n, d if n != "manifest.json" else b"{oops") for n, d in items], "not valid JSON"),
        (
            lambda items: [
                (n, d if n != "manifest.json" else json.dumps({**json.loads(d), "format_version": "2.0"}).encode())
                for n, d in items
            ],
            "format_version",
        ),
    ],
)
def test_validator_finds_damage(mutate, problem):
    damaged = _rewrite(_package(_objects(a=b"audio" * 10, b=b"image")), mutate)
    with pytest.raises(vst.InvalidPackage) as caught:
        vst.validate_package(damaged)
    assert problem in str(caught.value)


def test_not_a_zip():
    with pytest.raises(vst.InvalidPackage):
        vst.validate_package(io.BytesIO(b"plain text"))


def test_validator_refuses_times_past_the_end_of_the_audio():
    package = _package(
        _objects(a=b"audio"),
        manifest_extra={
            "duration": 2.0,
            "voice_tags": [{"timestamp": 1.5}, {"timestamp": 9.0}],
            "timestamps": [{"time": 2.0}, {"time": 3.5}],
            "drawings": [{"id": "d1", "timestamp": None}, {"id": "d2", "timestamp": 2.5}],
        },
    )
    with pytest.raises(vst.InvalidPackage) as caught:
        vst.validate_package(package)
    assert caught.value.problems == [
        "voice_tags.1.timestamp: 9 s is past the end of the audio (2 s).",
        "timestamps.1.time: 3.5 s is past the end of the audio (2 s).",
        "drawings.1.timestamp: 2.5 s is past the end of the audio (2 s).",
    ]


def test_validator_refuses_a_package_that_says_it_is_still_processing():
    package = _package(_objects(a=b"audio"), manifest_extra={"stamp": {"id": 1, "conversion_status": "processing"}})
    with pytest.raises(vst.InvalidPackage) as caught:
        vst.validate_package(package)
    assert "conversion_status" in str(caught.value)
    vst.validate_package(_package(_objects(a=b"audio"), manifest_extra={"stamp": {"conversion_status": "completed"}}))
