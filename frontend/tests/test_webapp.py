"""The back office installs as a web app in the company's branding: the manifest's name, colour and icons, the icons
being the uploaded logo when there is one, else a monogram on the company's primary colour (read back as pictures)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from core.company.services import company_settings_get, company_settings_update

pytestmark = pytest.mark.django_db


def _picture(response) -> Image.Image:
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def _logo_png() -> bytes:
    """A 40 x 20 red logo on a transparent background."""
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), (200, 0, 0, 255)).save(out, format="PNG")
    return out.getvalue()


def test_manifest_icons_are_a_monogram_in_the_primary_colour_then_the_uploaded_logo(alpha):
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Zest Co", "primary_color": "#123456"})
    visitor = Client(HTTP_HOST=alpha.host)  # the browser fetches these without the session
    manifest = visitor.get("/office/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["name"], body["short_name"], body["theme_color"], body["display"]) == (
        "Zest Co back office", "Zest Co", "#123456", "standalone"
    )  # fmt: skip
    assert [(icon["sizes"], icon["type"], icon["purpose"]) for icon in body["icons"]] == [
        ("192x192", "image/png", "any maskable"),
        ("512x512", "image/png", "any maskable"),
    ]
    for icon, size in zip(body["icons"], (192, 512), strict=True):
        picture = _picture(visitor.get(icon["src"]))
        assert picture.size == (size, size)
        assert picture.getpixel((2, 2)) == (0x12, 0x34, 0x56)  # the primary colour
        assert (255, 255, 255) in {color for _, color in picture.getcolors(size * size)}  # the white initial
    monogram_src = body["icons"][0]["src"]

    with schema_context(alpha.schema):
        row = company_settings_get()
        row.logo.save("logo.png", ContentFile(_logo_png()), save=True)
    icons = visitor.get("/office/manifest.webmanifest").json()["icons"]
    assert icons[0]["src"] != monogram_src  # a new address: the cached monogram is not reused
    picture = _picture(visitor.get(icons[1]["src"]))
    assert picture.size == (512, 512)
    assert picture.getpixel((256, 256)) == (200, 0, 0)  # the logo in the middle
    assert picture.getpixel((2, 2)) == (255, 255, 255)  # on white
    # scaled to the safe zone's inscribed square (512 * 0.8 / sqrt 2 = 289 px wide), keeping its 2:1 shape
    red = [x for x in range(512) if picture.getpixel((x, 256)) == (200, 0, 0)]
    assert (len(red), min(red)) == (289, 111)
    assert visitor.get("/office/icons/64.png").status_code == 404
