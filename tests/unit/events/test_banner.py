"""The banner image (events.banner): only pixels survive, in the two sizes served; what is no usable image is
refused with a stable code."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from events.banner import MAX_UPLOAD_BYTES, PAGE_SIZE, SHARE_SIZE, BannerRefused, prepare_banner


def image_bytes(size: tuple[int, int], kind: str = "PNG", mode: str = "RGB", **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 60, 20) if mode == "RGB" else 128).save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_an_image_becomes_a_share_jpeg_and_a_page_webp(kind: str) -> None:
    banner = prepare_banner(image_bytes((2000, 1500), kind))
    share, page = Image.open(io.BytesIO(banner.share_jpeg)), Image.open(io.BytesIO(banner.page_webp))
    assert (share.format, share.size) == ("JPEG", SHARE_SIZE)
    assert (page.format, page.size) == ("WEBP", PAGE_SIZE)
    assert len(banner.digest) == 16
    assert prepare_banner(image_bytes((2000, 1500), kind)).digest == banner.digest  # the same picture, the same name


def test_metadata_does_not_survive_and_the_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Geheime Camera BV"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show upright
    upload = image_bytes((1000, 1600), "JPEG", exif=exif.tobytes())  # stored sideways: upright it is wide
    banner = prepare_banner(upload)
    for data in (banner.share_jpeg, banner.page_webp):
        assert b"Geheime Camera" not in data
        assert not Image.open(io.BytesIO(data)).getexif()


def test_a_grey_or_transparent_image_is_drawn_in_colour() -> None:
    assert Image.open(io.BytesIO(prepare_banner(image_bytes((1200, 630), "PNG", mode="L")).share_jpeg)).mode == "RGB"
    rgba = io.BytesIO()
    Image.new("RGBA", (1200, 630), (0, 0, 0, 0)).save(rgba, "PNG")
    assert Image.open(io.BytesIO(prepare_banner(rgba.getvalue()).page_webp)).size == PAGE_SIZE


@pytest.mark.parametrize(("upload", "code"), [
    pytest.param(b"", "image_missing", id="nothing"),
    pytest.param(b"GIF89a" + b"\x00" * 100, "image_type", id="gif-header"),
    pytest.param(image_bytes((1200, 630), "GIF"), "image_type", id="gif"),
    pytest.param(image_bytes((1200, 630), "BMP"), "image_type", id="bmp"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image_type", id="svg"),
    pytest.param(b"%PDF-1.7\n", "image_type", id="pdf"),
    pytest.param(image_bytes((1200, 630), "PNG")[:300], "image_type", id="cut-short"),
    pytest.param(image_bytes((599, 800)), "image_too_small", id="too-narrow"),
    pytest.param(image_bytes((800, 314)), "image_too_small", id="too-low"),
    pytest.param(b"\x89PNG" + b"x" * MAX_UPLOAD_BYTES, "image_too_large", id="over-5-mb"),
])
def test_what_is_no_usable_image_is_refused(upload: bytes, code: str) -> None:
    with pytest.raises(BannerRefused) as refused:
        prepare_banner(upload)
    assert refused.value.code == code
    assert refused.value.message


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    # A tiny PNG claiming 10,000 × 10,000 pixels: refused from its header, never drawn.
    bomb = image_bytes((10_000, 10_000), "PNG", mode="1")
    assert len(bomb) < MAX_UPLOAD_BYTES
    with pytest.raises(BannerRefused) as refused:
        prepare_banner(bomb)
    assert refused.value.code == "image_too_large"
