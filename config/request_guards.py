"""Checks every request passes before any view sees it, so hostile or clumsy input is a 4xx naming the problem,
never a 500 from deep inside (a NUL byte reaching PostgreSQL, a body too big to read)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _forwarded_short(request: HttpRequest) -> bool:
    """Behind ``TRUSTED_PROXY_COUNT`` proxies every request carries at least that many X-Forwarded-For entries; a
    shorter header came around them (and would make the client-IP lookup of allauth and DRF fail)."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for")
    return bool(count and forwarded and len(forwarded.split(",")) < count)


class RequestGuardMiddleware:
    """An X-Forwarded-For shorter than the trusted proxy chain → 400; query parameters with NUL bytes → 400 naming the
    parameter; a non-file body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (file uploads: over ``MAX_UPLOAD_BYTES``) → 413,
    as JSON on the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _forwarded_short(request):
            return self._invalid(request, "X-Forwarded-For", _("This request did not come through the site's proxies."))
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                return self._invalid(request, name.replace(NUL, ""), _("Null characters are not allowed."))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return self._too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def _invalid(request: HttpRequest, field: str, message: str) -> HttpResponse:
        if _is_api(request):
            return JsonResponse({"detail": _("Invalid input."), "errors": {field: [message]}}, status=400)
        return render(request, "errors/bad_request.html", {"field": field, "message": message}, status=400)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        detail = _("The request body is larger than %(megabytes)s MB.") % {"megabytes": round(limit / 1_048_576, 1)}
        if _is_api(request):
            return JsonResponse({"detail": detail, "code": "request_too_large"}, status=413)
        return render(request, "errors/bad_request.html", {"field": "", "message": detail}, status=413)
