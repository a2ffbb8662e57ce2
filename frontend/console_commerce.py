"""The console's commerce pages: products, inventory, orders (with offline payment, shipping, refunds and
cancellation), tax rates, coupons and back-office subscriptions. Each action posts to one core.commerce service.

The tax rate, coupon, category and product picture forms are in frontend.console_ops."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.commerce.models import (
    BackOfficeSubscription,
    Coupon,
    Order,
    OrderStatus,
    Product,
    ProductStatus,
    StockLevel,
    StockMovement,
    SubscriptionAttempt,
    SubscriptionStatus,
    TaxRate,
)
from core.commerce.selectors import low_stock
from core.commerce.services import (
    order_cancel,
    order_pay_offline,
    order_refund,
    order_ship,
    product_create,
    product_retire,
    product_update,
    stock_adjust,
    stock_receive,
)
from core.commerce.stripe_gateway import GatewayError
from frontend.access import console_page
from frontend.forms import OfflinePaymentForm, ProductForm, ReasonForm, RefundForm, StockForm, errors_onto
from frontend.paging import paginate


def _saved(form, call) -> bool:
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        errors_onto(form, exc)
        return False
    except GatewayError as exc:
        form.add_error(None, f"Stripe refused: {exc}")
        return False
    return True


# ---------------------------------------------------------------------------------------------------- products


@console_page
def products(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    found = Product.objects.select_related("category").order_by("sku")
    if query:
        found = found.filter(Q(sku__icontains=query) | Q(name__icontains=query))
    if status in ProductStatus.values:
        found = found.filter(status=status)
    return render(
        request,
        "console/products.html",
        {"q": query, "status": status, "statuses": ProductStatus.choices, **paginate(request, found)},
    )


@console_page
def product_new(request):
    form = ProductForm(request.POST or None)
    created = {}

    def call(data):
        created["product"] = product_create(**data)

    if request.method == "POST" and _saved(form, call):
        messages.success(request, f"{created['product'].sku} is created.")
        return redirect("console-product", pk=created["product"].pk)
    return render(request, "console/product_new.html", {"form": form}, status=400 if form.errors else 200)


@console_page
def product_detail(request, pk: int):
    product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "retire":
        product_retire(product=product)
        messages.success(request, f"{product.sku} is retired: it stays on past orders and can no longer be ordered.")
        return redirect("console-product", pk=product.pk)
    movements = StockMovement.objects.filter(product=product).select_related("warehouse", "order").order_by("-id")
    return render(
        request,
        "console/product_detail.html",
        {
            "product": product,
            "levels": StockLevel.objects.filter(product=product).select_related("warehouse").order_by("warehouse_id"),
            **paginate(request, movements, 25),
        },
    )


@console_page
def product_edit(request, pk: int):
    """Prices, PV/CV and catalogue data; orders already placed keep their lines' prices and volumes."""
    product = get_object_or_404(Product, pk=pk)
    return product_edit_page(request, product)


def product_edit_page(request, product: Product, image_form=None):
    """The edit form and, below it, the product's pictures (an upload that failed shows its errors there)."""
    from frontend.console_ops import product_media

    data = request.POST if request.method == "POST" and image_form is None else None
    form = ProductForm(data, initial={name: getattr(product, name) for name in ProductForm.base_fields})
    form.fields["sku"].disabled = True
    form.fields["sku"].help_text = "The SKU never changes."

    def call(data):
        product_update(product=product, **{k: v for k, v in data.items() if k != "sku"})

    if data is not None and _saved(form, call):
        messages.success(request, f"{product.sku} is saved. Orders already placed keep their prices and volumes.")
        return redirect("console-product", pk=product.pk)
    return render(
        request,
        "console/product_new.html",
        {"form": form, "product": product, **product_media(product, image_form)},
        status=400 if form.errors or (image_form is not None and image_form.errors) else 200,
    )


# ---------------------------------------------------------------------------------------------------- inventory


@console_page
def inventory(request):
    form = StockForm(request.POST or None)

    def call(data):
        product = Product.objects.filter(sku__iexact=data["sku"].strip()).first()
        if product is None:
            raise ValidationError({"sku": [f"There is no product with SKU '{data['sku']}'."]})
        if data["kind"] == "receive":
            stock_receive(
                product=product,
                warehouse=data["warehouse"],
                quantity=data["quantity"],
                note=data["note"],
                by=request.user,
            )
        else:
            stock_adjust(
                product=product,
                warehouse=data["warehouse"],
                quantity=data["quantity"],
                note=data["note"],
                by=request.user,
            )

    if request.method == "POST" and _saved(form, call):
        messages.success(request, f"Stock of {form.cleaned_data['sku'].upper()} updated.")
        return redirect("console-inventory")
    levels = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse_id")
    query = request.GET.get("q", "").strip()
    if query:
        levels = levels.filter(Q(product__sku__icontains=query) | Q(product__name__icontains=query))
    return render(
        request,
        "console/inventory.html",
        {"form": form, "q": query, **paginate(request, levels)},
        status=400 if form.errors else 200,
    )


@console_page
def inventory_low(request):
    return render(request, "console/inventory_low.html", paginate(request, low_stock()))


# ---------------------------------------------------------------------------------------------------- orders


@console_page
def orders(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    found = Order.objects.select_related("credited_member", "buyer_member", "buyer_customer").order_by(
        "-placed_at", "-id"
    )
    if query:
        match = (
            Q(buyer_name__icontains=query)
            | Q(buyer_customer__email__icontains=query)
            | Q(buyer_customer__last_name__icontains=query)
            | Q(buyer_member__email__icontains=query)
            | Q(buyer_member__last_name__icontains=query)
            | Q(credited_member__username__iexact=query)
        )
        if query.isdigit():
            match |= Q(number=int(query)) | Q(credited_member__number=int(query))
        found = found.filter(match)
    if status in OrderStatus.values:
        found = found.filter(status=status)
    return render(
        request,
        "console/orders.html",
        {"q": query, "status": status, "statuses": OrderStatus.choices, **paginate(request, found)},
    )


def _order_or_404(number: int) -> Order:
    order = (
        Order.objects.filter(number=number)
        .select_related("credited_member", "buyer_member", "buyer_customer", "coupon", "warehouse")
        .prefetch_related("lines", "payments", "refunds")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return order


def _order_page(order: Order, **forms) -> dict:
    context = {
        "order": order,
        "pay_form": OfflinePaymentForm(prefix="pay"),
        "refund_form": RefundForm(prefix="refund", lines=order.lines.all()),
        "cancel_form": ReasonForm(prefix="cancel"),
    }
    context.update(forms)
    return context


@console_page
def order_detail(request, number: int):
    return render(request, "console/order_detail.html", _order_page(_order_or_404(number)))


@console_page
def order_action(request, number: int, action: str):
    order = _order_or_404(number)
    if request.method != "POST":
        return redirect("console-order", number=number)
    by = request.user
    if action == "pay":
        form = OfflinePaymentForm(request.POST, prefix="pay")

        def call(data):
            order_pay_offline(order=order, method=data["method"], reference=data["reference"], by=by)

        done = f"Order {order.number} is paid."
    elif action == "ship":
        form = ReasonForm({"reason": "ship"})

        def call(data):
            order_ship(order=order)

        done = f"Order {order.number} is shipped."
    elif action == "refund":
        form = RefundForm(request.POST, prefix="refund", lines=order.lines.all())

        def call(data):
            order_refund(order=order, lines=form.refund_lines(), restock=data["restock"], reason=data["reason"], by=by)

        done = f"Order {order.number} is refunded."
    elif action == "cancel":
        form = ReasonForm(request.POST, prefix="cancel")

        def call(data):
            order_cancel(order=order, by=by, reason=data["reason"])

        done = f"Order {order.number} is cancelled."
    else:
        raise Http404("No such action.")
    if _saved(form, call):
        messages.success(request, done)
        return redirect("console-order", number=order.number)
    if action == "ship":
        for error in form.non_field_errors() or form.errors.get("status", []):
            messages.error(request, error)
        return redirect("console-order", number=order.number)
    return render(
        request, "console/order_detail.html", _order_page(_order_or_404(number), **{f"{action}_form": form}), status=400
    )


# ---------------------------------------------------------------------------------------------------- settings


@console_page
def tax_rates(request):
    return render(request, "console/tax_rates.html", paginate(request, TaxRate.objects.order_by("country", "region")))


@console_page
def coupons(request):
    return render(request, "console/coupons.html", paginate(request, Coupon.objects.order_by("code")))


@console_page
def subscriptions(request):
    status = request.GET.get("status", "")
    found = BackOfficeSubscription.objects.select_related("member").order_by("next_due_on", "id")
    if status in SubscriptionStatus.values:
        found = found.filter(status=status)
    counts = dict(BackOfficeSubscription.objects.values_list("status").annotate(n=Count("id")))
    recent = SubscriptionAttempt.objects.select_related("member").order_by("-attempted_at", "-id")[:20]
    return render(
        request,
        "console/subscriptions.html",
        {
            "status": status,
            "statuses": SubscriptionStatus.choices,
            "counts": [(label, counts.get(value, 0)) for value, label in SubscriptionStatus.choices],
            "recent": recent,
            **paginate(request, found),
        },
    )
