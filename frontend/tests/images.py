import io

from PIL import Image


def png_bytes(size: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (47, 111, 78)).save(buffer, format="PNG")
    return buffer.getvalue()
