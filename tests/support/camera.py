"""A fake camera for Chromium: a QR code (a PNG, as mailed) as a Y4M video that
`--use-file-for-fake-video-capture` plays in a loop, so that a scanner page sees the ticket as a phone would.

Y4M is a header line and raw frames: `FRAME\\n` and the Y, U and V planes (4:2:0: U and V at half the width and
height). A grey QR on a white page needs nothing but Y; U and V are 128 (no colour).
"""

from __future__ import annotations

import io
from pathlib import Path

WIDTH, HEIGHT = 640, 480


def y4m_from_png(png: bytes, path: Path, *, frames: int = 10, size: int = 360) -> Path:
    """Write `path`: the QR image scaled to `size` pixels, centred on a white 640×480 frame, `frames` times."""
    from PIL import Image

    code = Image.open(io.BytesIO(png)).convert("L").resize((size, size), Image.Resampling.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - size) // 2, (HEIGHT - size) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def fake_camera_args(video: Path) -> list[str]:
    """Chromium flags: the video above as the camera, and camera permission granted without asking."""
    return ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
