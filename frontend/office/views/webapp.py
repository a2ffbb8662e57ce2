"""The back office as an installable web app: its manifest (the company's name and colour) and icons drawn from the
company's branding. Public: a browser fetches the manifest without the session cookie."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from PIL import Image, ImageDraw, ImageFont

from core.company.services import company_settings_get
from frontend.context_processors import HEX_COLOR

ICON_SIZES = (192, 512)
DEFAULT_COLOR = "#2f6f4e"


def _color() -> str:
    color = company_settings_get().primary_color
    return color if HEX_COLOR.match(color or "") else DEFAULT_COLOR


@cache_control(max_age=3600, public=True)
def manifest(request):
    name = company_settings_get().display_name
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
                    "src": reverse("office-icon", args=[size]),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in ICON_SIZES
            ],  # fmt: skip
        },
        content_type="application/manifest+json",
    )


@cache_control(max_age=86400, public=True)
def icon(request, size: int):
    """A square in the company's colour with its initial, centred inside the maskable safe zone."""
    if size not in ICON_SIZES:
        raise Http404("No icon of that size.")
    name = company_settings_get().display_name.strip() or "C"
    image = Image.new("RGB", (size, size), _color())
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size // 2)
    draw.text((size / 2, size / 2), name[0].upper(), fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return HttpResponse(out.getvalue(), content_type="image/png")
