"""Pages through the API test client: a form posted with its CSRF token, a member signed in on the page, and the
QR codes a page shows, decoded as a phone at the door would (zxing-cpp)."""

from __future__ import annotations

import base64
import io
import re

import httpx

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
QR_IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"')


async def post_form(client: httpx.AsyncClient, path: str, form: dict[str, str], *,
                    form_page: str | None = None) -> httpx.Response:
    """POST `form` to `path` with the CSRF token of the page at `form_page` (default: `path` itself)."""
    page = await client.get(form_page or path)
    token = CSRF.search(page.text)
    assert token, page.text[:500]
    return await client.post(path, data={**form, "_csrf_token": token.group(1)})


async def sign_in_on_page(client: httpx.AsyncClient, email: str, password: str) -> None:
    signed_in = await post_form(client, "/inloggen", {"email": email, "password": password})
    assert signed_in.status_code == 303, signed_in.text[:300]


def decode_qr_png(png: bytes) -> list[str]:
    """The texts of every QR code in a PNG image."""
    import zxingcpp
    from PIL import Image

    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def qr_codes_on_page(html: str) -> list[tuple[str, int]]:
    """(decoded text, shown width in CSS pixels) of every inline QR image on a page."""
    out = []
    for data, width, _height in QR_IMAGE.findall(html):
        out.extend((text, int(width)) for text in decode_qr_png(base64.b64decode(data)))
    return out


def read_ticket_pdf(content: bytes) -> tuple[str, list[str]]:
    """(the text, the decoded QR codes of every image) of a ticket PDF, read back with pypdf as a viewer would."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    codes = []
    for page in reader.pages:
        for image in page.images:
            codes += decode_qr_png(image.data) if image.data[:8] == b"\x89PNG\r\n\x1a\n" else _decode_image(image.image)
    return text, codes


def _decode_image(image: object) -> list[str]:
    import zxingcpp

    return [found.text for found in zxingcpp.read_barcodes(image)]
