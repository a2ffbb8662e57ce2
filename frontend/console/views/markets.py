"""The console's markets (issue 19, docs/markets.md): where the company sells, in which currency, whether prices
include tax, and each market's price list (a table to edit, a CSV to export and import). Markets are never deleted:
orders point to them; a market is deactivated."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commerce.selectors.market_prices import market_price_list, market_price_rows
from core.commerce.services.market_prices import PriceEntry, market_prices_import, market_prices_save
from core.company.models import Market
from core.company.selectors import market_by_code, markets_list
from core.company.services import market_create, market_deactivate, market_update
from core.members.selectors import customer_by_number
from core.members.services.markets import customer_market_set
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.forms import errors_onto, form_status, submit
from frontend.console.market_forms import MarketForm, PersonMarketForm, PriceListFileForm

PRICE_FIELDS = ("retail_price", "distributor_price", "preferred_price")


def _market_or_404(code: str) -> Market:
    market = market_by_code(code=code, active_only=False)
    if market is None:
        raise Http404(_("No such market."))
    return market


@console_page()
def markets(request):
    return render(request, "console/markets.html", {"markets": markets_list()})


@console_page("markets.write")
def market_new(request):
    form = MarketForm(request.POST or None)
    submission = request.method == "POST" and submit(form, lambda data: market_create(**data))
    if submission:
        messages.success(
            request, _("The market %(code)s is added: give it a price list.") % {"code": submission.result.code}
        )
        return redirect("console-market-prices", code=submission.result.code)
    return render(request, "console/market_edit.html", {"form": form}, status=form_status(form))


@console_page("markets.write")
def market_edit(request, code: str):
    """Edit a market (not its code), deactivate it or activate it again."""
    market = _market_or_404(code)
    if request.method == "POST" and request.POST.get("action") in ("deactivate", "activate"):
        return _market_switch(request, market)
    fields = ("code", "name", "countries", "currency", "language", "prices_include_tax")
    form = MarketForm(request.POST or None, initial={name: getattr(market, name) for name in fields})
    form.fields["code"].disabled = True

    def call(data):
        return market_update(market=market, **{name: data[name] for name in fields if name != "code"})

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("The market is saved. Orders already placed keep their currency and amounts."))
        return redirect("console-markets")
    return render(request, "console/market_edit.html", {"form": form, "market": market}, status=form_status(form))


def _market_switch(request, market: Market):
    if request.POST["action"] == "deactivate":
        market_deactivate(market=market)
        messages.success(request, _("The market %(code)s no longer sells; its orders keep it.") % {"code": market.code})
        return redirect("console-markets")
    try:
        market_update(market=market, is_active=True)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The market %(code)s sells again.") % {"code": market.code})
    return redirect("console-market", code=market.code)


@console_page("markets.write")
def market_prices(request, code: str):
    """The price list: one row per active product with its three prices in the market's currency (empty: not sold
    here); saved as a whole. A CSV file imports the same table."""
    market = _market_or_404(code)
    file_form = PriceListFileForm(
        request.POST if request.POST.get("action") == "import" else None,
        request.FILES if request.POST.get("action") == "import" else None,
    )
    rows = market_price_list(market=market)
    row_errors: dict[str, dict[str, str]] = {}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "import":
        if file_form.is_valid():
            try:
                result = market_prices_import(market=market, content=file_form.cleaned_data["file"].read())
            except ValidationError as exc:
                errors_onto(file_form, exc)
            else:
                messages.success(
                    request,
                    _("Price list imported: %(set)d products priced, %(removed)d taken off this market.")
                    % {"set": result.set, "removed": result.removed},
                )
                return redirect("console-market-prices", code=market.code)
        status = 400
    elif request.method == "POST":
        entries = {
            row.product.sku: PriceEntry(*(request.POST.get(f"{row.product.pk}-{name}", "") for name in PRICE_FIELDS))
            for row in rows
        }
        try:
            market_prices_save(market=market, entries=entries)
        except ValidationError as exc:
            row_errors = {sku: dict(columns) for sku, columns in _by_sku(exc).items()}
            messages.error(request, _("Some prices are not valid: see the marked rows. Nothing was saved."))
            status = 400
        else:
            messages.success(request, _("The price list of %(name)s is saved.") % {"name": market.name})
            return redirect("console-market-prices", code=market.code)
    table = [
        {
            "product": row.product,
            "values": [
                (
                    name,
                    request.POST.get(f"{row.product.pk}-{name}", "")
                    if status == 400 and not file_form.is_bound
                    else _plain(getattr(row.price, name, None)),
                    row_errors.get(row.product.sku, {}).get(name, ""),
                )
                for name in PRICE_FIELDS
            ],
        }
        for row in rows
    ]
    context = {"market": market, "table": table, "file_form": file_form, "sold": sum(1 for r in rows if r.price)}
    return render(request, "console/market_prices.html", context, status=status)


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount)


def _by_sku(exc: ValidationError) -> dict[str, dict[str, str]]:
    """``{"SKU": {"column": "message"}}`` from the error ``market_prices_save`` raises (keys "SKU.column")."""
    found: dict[str, dict[str, str]] = {}
    for key, messages_ in exc.message_dict.items():
        sku, _dot, column = key.partition(".")
        found.setdefault(sku, {})[column] = " ".join(messages_)
    return found


@console_page()
def market_prices_export(request, code: str):
    market = _market_or_404(code)
    rows = market_price_rows(market=market)
    return csv_response(rows[1:], f"prices-{market.code}-{timezone.now():%Y%m%d}.csv", header=rows[0])


@console_page({"market": "markets.assign"})
def customer_detail(request, number: int, action: str = ""):
    """A customer: who they buy through, their country and market; admins move them to another market here (each
    change recorded; past orders keep theirs)."""
    customer = customer_by_number(number=number)
    if customer is None:
        raise Http404(_("No such customer."))
    form = PersonMarketForm(
        request.POST if request.method == "POST" else None,
        prefix="market",
        initial={"market": getattr(customer.market, "code", "")},
    )

    def call(data):
        market = market_by_code(code=data["market"]) if data["market"] else None
        return customer_market_set(customer=customer, market=market, by=request.user, reason=data["reason"])

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("The customer's market is saved; orders already placed keep theirs."))
        return redirect("console-customer", number=customer.number)
    context = {
        "customer": customer,
        "market_form": form,
        "market_changes": customer.market_changes.select_related("old_market", "new_market", "changed_by")[:20],
    }
    return render(request, "console/customer_detail.html", context, status=form_status(form))
