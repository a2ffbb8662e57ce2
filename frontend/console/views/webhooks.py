"""The console's webhooks: endpoints (with their signing secret shown once), deliveries and redelivery. Company
admins only, like the webhook API: an endpoint's deliveries carry order and member data to a third party."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.webhooks.models import DeliveryStatus, WebhookEvent
from core.webhooks.selectors import deliveries_list, delivery_attempts, endpoints_list
from core.webhooks.services import delivery_redeliver, webhook_endpoint_create, webhook_endpoint_update
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import WebhookEndpointForm

# Webhook pages, reading them too, are for those who may change webhooks (they show secrets and payloads).
webhook_page = console_page(read="webhooks.write")
webhook_form_page = console_page("webhooks.write", read="webhooks.write")


@webhook_page
def webhooks(request):
    return render(request, "console/webhooks.html", paginate(request, endpoints_list()))


@webhook_form_page
def webhook_new(request):
    form = WebhookEndpointForm(request.POST or None)

    if request.method == "POST" and (created := submit(form, lambda data: webhook_endpoint_create(**data))):
        endpoint = created.result
        return render(request, "console/webhook_secret.html", {"endpoint": endpoint, "created": True})
    return render(request, "console/webhook_edit.html", {"form": form}, status=form_status(form))


@webhook_form_page
def webhook_edit(request, pk: int):
    endpoint = get_object_or_404(endpoints_list(), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "rotate":
        webhook_endpoint_update(endpoint=endpoint, rotate_secret=True)
        return render(request, "console/webhook_secret.html", {"endpoint": endpoint, "created": False})
    form = WebhookEndpointForm(
        request.POST or None, initial={name: getattr(endpoint, name) for name in WebhookEndpointForm.base_fields}
    )
    if request.method == "POST" and submit(form, lambda data: webhook_endpoint_update(endpoint=endpoint, **data)):
        messages.success(request, _("The endpoint %(url)s is saved.") % {"url": endpoint.url})
        return redirect("console-webhooks")
    return render(request, "console/webhook_edit.html", {"form": form, "endpoint": endpoint}, status=form_status(form))


@webhook_page
def webhook_deliveries(request):
    endpoint_id = request.GET.get("endpoint", "")
    event = request.GET.get("event", "")
    status = request.GET.get("status", "")
    found = deliveries_list(
        endpoint_id=int(endpoint_id) if endpoint_id.isdigit() else None,
        event=event if event in WebhookEvent.values else "",
        status=status if status in DeliveryStatus.values else "",
    )
    return render(
        request,
        "console/webhook_deliveries.html",
        {
            "endpoints": endpoints_list(),
            "endpoint_id": endpoint_id,
            "event": event,
            "status": status,
            "events": WebhookEvent.choices,
            "statuses": DeliveryStatus.choices,
            **paginate(request, found),
        },
    )


@webhook_form_page
@require_POST
def webhook_delivery_redeliver(request, pk: int):
    delivery = get_object_or_404(deliveries_list(), pk=pk)
    try:
        delivery_redeliver(delivery=delivery)
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("console-webhook-delivery", pk=pk)


@webhook_page
def webhook_delivery(request, pk: int):
    delivery = get_object_or_404(deliveries_list(), pk=pk)
    return render(
        request,
        "console/webhook_delivery.html",
        {
            "delivery": delivery,
            "attempts": delivery_attempts(delivery=delivery),
            "payload": json.dumps(delivery.payload, indent=2, sort_keys=True),
        },
    )
