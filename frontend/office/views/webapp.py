"""The back office as an installable web app: its manifest (the company's name and colour) and icons drawn from the
company's branding: the uploaded logo, fitted inside the maskable safe zone on white, else a monogram (the company's
initial in white on its primary colour). Public: a browser fetches the manifest without the session cookie. The icon
addresses carry a version drawn from the branding, so a new logo or colour is fetched at once despite the caching."""

from __future__ import annotations

import hashlib
import io
import logging

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from core.company.services import company_settings_get
from frontend.context_processors import HEX_COLOR

ICON_SIZES = (192, 512)
DEFAULT_COLOR = "#2f6f4e"
SAFE_ZONE = 0.8  # a maskable icon's content stays inside the centre circle of 80 % of its width
logger = logging.getLogger(__name__)


def _color() -> str:
    color = company_settings_get().primary_color
    return color if HEX_COLOR.match(color or "") else DEFAULT_COLOR


def _branding_version() -> str:
    row = company_settings_get()
    return hashlib.sha256(f"{row.logo.name}|{_color()}|{row.display_name}".encode()).hexdigest()[:10]


@cache_control(max_age=3600, public=True)
def manifest(request):
    name = company_settings_get().display_name
    version = _branding_version()
    return JsonResponse(
        {
            "name": _("%(company)s back office") % {"company": name},
            "short_name": name[:12],
            "start_url": reverse("office-home"),
            "scope": reverse("office-home"),
            "display": "standalone",
            "theme_color": _color(),
            "background_color": "#ffffff",
            "icons": [
                {
                    "src": f"{reverse('office-icon', args=[size])}?v={version}",
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in ICON_SIZES
            ],  # fmt: skip
        },
        content_type="application/manifest+json",
    )


def _logo_icon(size: int) -> Image.Image | None:
    """The uploaded logo, its whole picture scaled into the safe zone and centred on white; None without a logo (or
    when the stored file cannot be read as a picture)."""
    logo = company_settings_get().logo
    if not logo:
        return None
    try:
        with logo.open("rb") as stored, Image.open(stored) as picture:
            picture = picture.convert("RGBA")
            inner = int(size * SAFE_ZONE / 2**0.5)  # the square inscribed in the safe circle
            scale = min(inner / picture.width, inner / picture.height)  # up or down: the whole logo, as large as fits
            picture = picture.resize(
                (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))), Image.Resampling.LANCZOS
            )
            image = Image.new("RGBA", (size, size), "#ffffff")
            image.alpha_composite(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        logger.warning("The company logo %s could not be read for the web-app icon", logo.name)
        return None


def _monogram_icon(size: int) -> Image.Image:
    """A square in the company's colour with its initial, centred inside the maskable safe zone."""
    name = company_settings_get().display_name.strip() or "C"
    image = Image.new("RGB", (size, size), _color())
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size // 2)
    draw.text((size / 2, size / 2), name[0].upper(), fill="#ffffff", font=font, anchor="mm")
    return image


@cache_control(max_age=86400, public=True)
def icon(request, size: int):
    """The company's logo when it uploaded one, else its monogram, as a PNG of ``size`` pixels square."""
    if size not in ICON_SIZES:
        raise Http404(_("No icon of that size."))
    image = _logo_icon(size) or _monogram_icon(size)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return HttpResponse(out.getvalue(), content_type="image/png")
