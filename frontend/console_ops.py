"""The console's remaining commerce and operations pages: tax rate and coupon forms, product categories and images,
parties and webhooks. Each action posts to one service in core/; staff read (webhooks: admins only, since an
endpoint's deliveries carry order and member data to a third party)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.commerce.models import (
    Coupon,
    Order,
    PartyStatus,
    PaymentMethod,
    Product,
    ProductCategory,
    ProductImage,
    TaxRate,
)
from core.commerce.selectors import parties_visible_to
from core.commerce.services import (
    LineRequest,
    coupon_create,
    coupon_update,
    order_pay_offline,
    party_close,
    party_create,
    party_guest_order_place,
    product_category_create,
    product_category_rename,
    product_image_add,
    product_image_remove,
    tax_rate_create,
    tax_rate_delete,
    tax_rate_update,
)
from core.members.selectors import member_by_number
from core.webhooks.models import DeliveryStatus, WebhookEndpoint, WebhookEvent
from core.webhooks.selectors import deliveries_list, endpoints_list
from core.webhooks.services import delivery_redeliver, webhook_endpoint_create, webhook_endpoint_update
from frontend.access import company_admin_required, console_page
from frontend.console_commerce import _saved
from frontend.forms import errors_onto
from frontend.forms_ops import (
    CategoryForm,
    CategoryRenameForm,
    CouponForm,
    GuestOrderForm,
    PartyForm,
    ProductImageForm,
    TaxRateForm,
    WebhookEndpointForm,
)
from frontend.paging import paginate


def _status(form) -> int:
    return 400 if form.errors else 200


# ---------------------------------------------------------------------------------------------------- tax rates


@console_page
def tax_rate_new(request):
    form = TaxRateForm(request.POST or None)
    if request.method == "POST" and _saved(form, lambda data: tax_rate_create(**data)):
        messages.success(request, "The tax rate is added. Orders placed from now on use it.")
        return redirect("console-tax-rates")
    return render(request, "console/tax_rate_edit.html", {"form": form}, status=_status(form))


@console_page
def tax_rate_edit(request, pk: int):
    """The rate, name and whether it applies; the place (country, region) is fixed. Orders keep the rate they used."""
    tax_rate = get_object_or_404(TaxRate, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "delete":
        tax_rate_delete(tax_rate=tax_rate)
        messages.success(request, f"The rate for {tax_rate.country}/{tax_rate.region or '*'} is deleted.")
        return redirect("console-tax-rates")
    initial = {name: getattr(tax_rate, name) for name in TaxRateForm.base_fields}
    form = TaxRateForm(request.POST or None, initial=initial)
    for name in ("country", "region"):
        form.fields[name].disabled = True
    form.fields["region"].help_text = "The place of a rate never changes; add a new rate for another place."

    def call(data):
        tax_rate_update(tax_rate=tax_rate, rate=data["rate"], name=data["name"], is_active=data["is_active"])

    if request.method == "POST" and _saved(form, call):
        messages.success(request, "The tax rate is saved. Orders already placed keep the rate they used.")
        return redirect("console-tax-rates")
    return render(request, "console/tax_rate_edit.html", {"form": form, "tax_rate": tax_rate}, status=_status(form))


# ---------------------------------------------------------------------------------------------------- coupons


def _coupon_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "code"}


@console_page
def coupon_new(request):
    form = CouponForm(request.POST or None)
    if request.method == "POST" and _saved(form, lambda data: coupon_create(code=data["code"], **_coupon_fields(data))):
        messages.success(request, f"The coupon {form.cleaned_data['code'].strip()} is created.")
        return redirect("console-coupons")
    return render(request, "console/coupon_edit.html", {"form": form}, status=_status(form))


@console_page
def coupon_edit(request, pk: int):
    coupon = get_object_or_404(Coupon, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "deactivate":
        coupon_update(coupon=coupon, is_active=False)
        messages.success(request, f"{coupon.code} is deactivated: checkouts no longer accept it.")
        return redirect("console-coupon", pk=coupon.pk)
    form = CouponForm(request.POST or None, initial={name: getattr(coupon, name) for name in CouponForm.base_fields})
    form.fields["code"].disabled = True
    form.fields["code"].help_text = "The code never changes (orders and printed flyers name it)."
    if request.method == "POST" and _saved(form, lambda data: coupon_update(coupon=coupon, **_coupon_fields(data))):
        messages.success(request, f"{coupon.code} is saved.")
        return redirect("console-coupon", pk=coupon.pk)
    orders = Order.objects.filter(coupon=coupon).select_related("credited_member").order_by("-placed_at", "-id")
    return render(
        request,
        "console/coupon_edit.html",
        {"form": form, "coupon": coupon, **paginate(request, orders, 25)},
        status=_status(form),
    )


# ---------------------------------------------------------------------------------------------------- categories


@console_page
def categories(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and _saved(form, lambda data: product_category_create(**data)):
        messages.success(request, f"The category {form.cleaned_data['name']} is added.")
        return redirect("console-categories")
    return render(
        request,
        "console/categories.html",
        {"form": form, **paginate(request, ProductCategory.objects.order_by("name", "id"))},
        status=_status(form),
    )


@console_page
def category_edit(request, pk: int):
    """Rename only: products point at their category, so categories are kept."""
    category = get_object_or_404(ProductCategory, pk=pk)
    form = CategoryRenameForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and _saved(form, lambda data: product_category_rename(category=category, **data)):
        messages.success(request, f"The category is renamed {category.name}.")
        return redirect("console-categories")
    products = Product.objects.filter(category=category).order_by("sku")
    return render(
        request,
        "console/category_edit.html",
        {"form": form, "category": category, **paginate(request, products)},
        status=_status(form),
    )


# ---------------------------------------------------------------------------------------------------- product images


def product_media(product: Product, image_form: ProductImageForm | None = None) -> dict:
    """The images section of the product edit page."""
    return {"images": list(product.images.order_by("position", "id")), "image_form": image_form or ProductImageForm()}


@console_page
@require_POST
def product_image_upload(request, pk: int):
    product = get_object_or_404(Product, pk=pk)
    form = ProductImageForm(request.POST, request.FILES)
    if _saved(form, lambda data: product_image_add(product=product, **data)):
        messages.success(request, "The picture is added.")
        return redirect("console-product-edit", pk=product.pk)
    from frontend.console_commerce import product_edit_page

    return product_edit_page(request, product, image_form=form)


@console_page
@require_POST
def product_image_delete(request, pk: int, image_id: int):
    image = get_object_or_404(ProductImage, pk=image_id, product_id=pk)
    product_image_remove(image=image)
    messages.success(request, "The picture is removed.")
    return redirect("console-product-edit", pk=pk)


@console_page
def product_image_file(request, pk: int, image_id: int):
    image = get_object_or_404(ProductImage, pk=image_id, product_id=pk)
    if not image.image:
        raise Http404("No picture.")
    return FileResponse(image.image.open("rb"))


# ---------------------------------------------------------------------------------------------------- parties


def _party_or_404(request, pk: int):
    return get_object_or_404(parties_visible_to(request.user), pk=pk)


def party_guest_order(request, party, form: GuestOrderForm) -> bool:
    """Place a guest's order and record the cash or check taken at the party, in one transaction: an order whose
    payment is refused is not left behind. Shared by the console and the back office."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        with transaction.atomic():
            order = party_guest_order_place(
                party=party,
                guest_name=data["guest_name"],
                lines=[LineRequest(sku, quantity) for sku, quantity in data["lines"]],
                by=request.user,
            )
            if data["paid_with"]:
                order_pay_offline(
                    order=order, method=PaymentMethod(data["paid_with"]), reference=data["reference"], by=request.user
                )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "method" in exc.error_dict:  # the payment's field is "paid_with" here
            exc = ValidationError({"paid_with" if k == "method" else k: v for k, v in exc.error_dict.items()})
        errors_onto(form, exc)
        return False
    form.order = order
    return True


def party_page_context(request, party, guest_form: GuestOrderForm | None = None) -> dict:
    orders = Order.objects.filter(party=party).order_by("-placed_at", "-id")
    return {
        "party": party,
        "guest_form": guest_form or GuestOrderForm(),
        "open": party.status == PartyStatus.OPEN,
        **paginate(request, orders, 25),
    }


@console_page
def parties(request):
    found = parties_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in PartyStatus.values:
        found = found.filter(status=status)
    return render(
        request,
        "console/parties.html",
        {"status": status, "statuses": PartyStatus.choices, **paginate(request, found)},
    )


@console_page
def party_new(request):
    form = PartyForm(request.POST or None)
    created = {}

    def call(data):
        consultant = member_by_number(data.pop("consultant"))
        if consultant is None:
            raise ValidationError({"consultant": ["No member has this number."]})
        created["party"] = party_create(consultant=consultant, **data)

    if request.method == "POST" and _saved(form, call):
        messages.success(request, f"{created['party'].name} is created.")
        return redirect("console-party", pk=created["party"].pk)
    return render(request, "console/party_new.html", {"form": form}, status=_status(form))


@console_page
def party_detail(request, pk: int):
    party = _party_or_404(request, pk)
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "close":
            party_close(party=party)
            messages.success(request, f"{party.name} is closed.")
            return redirect("console-party", pk=party.pk)
        form = GuestOrderForm(request.POST)
        if party_guest_order(request, party, form):
            messages.success(request, f"Order {form.order.number} for {form.order.buyer_name} is placed.")
            return redirect("console-party", pk=party.pk)
        party = _party_or_404(request, pk)
    return render(
        request, "console/party_detail.html", party_page_context(request, party, form), status=400 if form else 200
    )


# ---------------------------------------------------------------------------------------------------- webhooks


def webhook_admin_page(view):
    """Webhook pages are for company admins only, like the webhook API."""
    return company_admin_required(view)


@webhook_admin_page
def webhooks(request):
    return render(request, "console/webhooks.html", paginate(request, endpoints_list()))


@webhook_admin_page
def webhook_new(request):
    form = WebhookEndpointForm(request.POST or None)
    created = {}

    def call(data):
        created["endpoint"] = webhook_endpoint_create(
            url=data["url"], events=data["events"], description=data["description"]
        )
        if not data["is_active"]:
            webhook_endpoint_update(endpoint=created["endpoint"], is_active=False)

    if request.method == "POST" and _saved(form, call):
        endpoint = created["endpoint"]
        return render(request, "console/webhook_secret.html", {"endpoint": endpoint, "created": True})
    return render(request, "console/webhook_edit.html", {"form": form}, status=_status(form))


@webhook_admin_page
def webhook_edit(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "rotate":
        webhook_endpoint_update(endpoint=endpoint, rotate_secret=True)
        return render(request, "console/webhook_secret.html", {"endpoint": endpoint, "created": False})
    form = WebhookEndpointForm(
        request.POST or None, initial={name: getattr(endpoint, name) for name in WebhookEndpointForm.base_fields}
    )
    if request.method == "POST" and _saved(form, lambda data: webhook_endpoint_update(endpoint=endpoint, **data)):
        messages.success(request, f"The endpoint {endpoint.url} is saved.")
        return redirect("console-webhooks")
    return render(request, "console/webhook_edit.html", {"form": form, "endpoint": endpoint}, status=_status(form))


@webhook_admin_page
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


@webhook_admin_page
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
        messages.success(request, "The delivery is queued to be sent again.")
    return redirect("console-webhook-delivery", pk=pk)


@webhook_admin_page
def webhook_delivery(request, pk: int):
    delivery = get_object_or_404(deliveries_list(), pk=pk)
    return render(
        request,
        "console/webhook_delivery.html",
        {
            "delivery": delivery,
            "attempts": delivery.attempt_log.order_by("number"),
            "payload": json.dumps(delivery.payload, indent=2, sort_keys=True),
        },
    )
