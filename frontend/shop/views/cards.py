"""The card-entry script's SetupIntent, for a Stripe.js without createPaymentMethod (the emulator's stand-in): see
frontend.common.payments. Limited per IP (ACCOUNT_RATE_LIMITS["card_setup"]); no money moves."""

from __future__ import annotations

from allauth.core import ratelimit
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.commerce.gateways.stripe import GatewayError
from core.commerce.services.payments import card_setup_start


@require_POST
def card_setup(request):
    if not ratelimit.consume(request, action="card_setup"):
        return JsonResponse(
            {"error": _("Too many card attempts from your network. Please try again later.")}, status=429
        )
    try:
        secret = card_setup_start(purpose="card entry")
    except GatewayError as exc:  # logged by the gateway; the page shows its own plain sentence
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse({"client_secret": secret})
