"""An event's banner image: an upload checked and drawn again (Pillow), in the two sizes the site serves. Pure: bytes
in, bytes out, no database and no clock.

Only the pixels survive: the upload is decoded (JPEG, PNG or WebP only, checked by content, not by name or by the
type the browser claims), turned upright by its EXIF orientation, cropped to the 1.91:1 of a link preview, and
encoded anew without any metadata (no EXIF, no GPS position, no embedded profile or script). A file that is not
such an image, is larger than MAX_UPLOAD_BYTES or has more than MAX_PIXELS pixels (a "decompression bomb") is
refused with a reason.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
MAX_PIXELS: Final = 40_000_000  # about 8000 × 5000: any camera's photo, no bomb
MIN_WIDTH, MIN_HEIGHT = 600, 315  # half the preview size: smaller looks blurred on LinkedIn
SHARE_SIZE: Final = (1200, 630)  # what LinkedIn, WhatsApp and Facebook show (og:image)
PAGE_SIZE: Final = (720, 378)  # the banner on the event page, light enough for the 60 KB page budget
ACCEPTED_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})


class BannerRefused(ValueError):
    """The upload cannot be a banner; `code` is stable, `message` Dutch (for the page and problem+json)."""

    def __init__(self, code: str, message: LazyMessage) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Banner:
    share_jpeg: bytes
    page_webp: bytes
    digest: str  # names this version in the URLs (16 hex characters of the SHA-256 of both files)


def prepare_banner(upload: bytes) -> Banner:
    if not upload:
        raise BannerRefused("image_missing", _l("Kies een afbeelding (JPEG, PNG of WebP)."))
    if len(upload) > MAX_UPLOAD_BYTES:
        raise BannerRefused("image_too_large", _l("Deze afbeelding is groter dan 5 MB: kies een kleinere."))
    try:
        with Image.open(io.BytesIO(upload)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ACCEPTED_FORMATS:
                raise BannerRefused("image_type", _l("Kies een JPEG-, PNG- of WebP-afbeelding."))
            if width * height > MAX_PIXELS:
                raise BannerRefused("image_too_large", _l("Deze afbeelding heeft te veel pixels: kies een kleinere."))
            if width < MIN_WIDTH or height < MIN_HEIGHT:
                raise BannerRefused(
                    "image_too_small",
                    _l("Deze afbeelding is %(width)s × %(height)s pixels: kies er een van minstens %(min_width)s × "
                       "%(min_height)s (het best 1200 × 630).", width=width, height=height, min_width=MIN_WIDTH,
                       min_height=MIN_HEIGHT))
            probe.load()  # decodes the whole file: a truncated or broken one fails here
            picture = ImageOps.exif_transpose(probe).convert("RGB")
    except BannerRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard, when a header claims even more pixels (a warning where warnings are errors).
        raise BannerRefused("image_too_large", _l("Deze afbeelding heeft te veel pixels: kies een kleinere.")) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BannerRefused("image_type", _l("Dit bestand is geen afbeelding die we kunnen lezen (JPEG, PNG of WebP).")
                            ) from exc
    share = _encode(ImageOps.fit(picture, SHARE_SIZE, Image.Resampling.LANCZOS), "JPEG", quality=82,
                    optimize=True, progressive=True)
    page = _encode(ImageOps.fit(picture, PAGE_SIZE, Image.Resampling.LANCZOS), "WEBP", quality=60, method=6)
    digest = hashlib.sha256(share + page).hexdigest()[:16]
    return Banner(share, page, digest)


def _encode(picture: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()
