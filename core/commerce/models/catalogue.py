"""The catalogue (products, categories, images), stock (warehouses, levels, the movement ledger), tax rates and
coupons: what an order is priced and filled from."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core.commerce.models.base import ZERO, money_field, volume_field

# ---------------------------------------------------------------------------------------------------- catalogue


class ProductCategory(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "product categories"

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Product(models.Model):
    """Never deleted once ordered (order lines PROTECT it): retire it instead."""

    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The same texts in the company's other languages, {"es": {"name": "…", "description": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    category = models.ForeignKey(ProductCategory, null=True, blank=True, on_delete=models.PROTECT)
    retail_price = money_field(validators=[MinValueValidator(ZERO)])
    preferred_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Empty: preferred customers pay retail."
    )
    distributor_price = money_field(validators=[MinValueValidator(ZERO)])
    pv = volume_field(help_text="Point (qualifying) volume per unit.")
    cv = volume_field(help_text="Commissionable value per unit.")
    taxable = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    track_inventory = models.BooleanField(default=True)
    allow_backorder = models.BooleanField(default=False)
    low_stock_threshold = models.PositiveIntegerField(default=0)
    featured = models.BooleanField(default=False, db_default=False, help_text="Shown on the company site's home page.")
    enrolment_pack = models.BooleanField(
        default=False,
        verbose_name=_("enrolment pack"),
        help_text=_("Offered to new distributors when they join (an enrolment pack)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku"]
        constraints = [models.UniqueConstraint(Upper("sku"), name="product_sku_unique_ci")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return f"Image {self.position} of {self.product_id}"


class Warehouse(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """The current quantity; always equal to the sum of the product's movements in the warehouse."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="stock_one_row_per_place")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER = "transfer", _("Transfer")


class StockMovement(models.Model):
    """The ledger: quantity is signed (sales negative, receipts positive; a transfer is one row out and one in)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField()
    order = models.ForeignKey("Order", null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["product", "warehouse"], name="movement_place_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} of {self.product_id}@{self.warehouse_id}"


class TaxRate(models.Model):
    """A sales-tax rate by country and region; an empty region is the rate for the rest of the country."""

    country = models.CharField(max_length=2)
    region = models.CharField(max_length=100, blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4, help_text="0.0825 for 8.25 %")
    name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region"], condition=models.Q(is_active=True), name="taxrate_one_active_per_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country}/{self.region or '*'} {self.rate}"


class ShippingMethod(models.Model):
    """A way to ship that the company offers to one country (an empty country: every country without methods of its
    own), at a flat fee in the currency of its market (no market: the company's base currency). A market's orders
    are offered its own methods only. Orders keep the name and fee they were placed with."""

    country = models.CharField(max_length=2, blank=True)
    market = models.ForeignKey(
        "company.Market",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipping_methods",
        verbose_name=_("market"),
        help_text=_("The fee is in this market's currency; empty: the company's base currency."),
    )
    name = models.CharField(max_length=100)
    fee = money_field()
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "sort_order", "fee", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "country", "name"],
                condition=models.Q(is_active=True),
                nulls_distinct=False,
                name="shipping_one_active_name_per_market",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country or '*'} {self.name} {self.fee}"


class MarketPrice(models.Model):
    """A product's prices in one market, in the market's currency, per tier (issue 19). A product without a row here
    is not sold in that market. Volumes (PV, CV) stay on the product: they are currency-free."""

    market = models.ForeignKey("company.Market", on_delete=models.PROTECT, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="market_prices")
    retail_price = money_field(validators=[MinValueValidator(ZERO)], verbose_name=_("retail price"))
    distributor_price = money_field(validators=[MinValueValidator(ZERO)], verbose_name=_("distributor price"))
    preferred_price = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("preferred price"),
        help_text=_("Empty: preferred customers pay retail."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["market", "product__sku"]
        constraints = [models.UniqueConstraint(fields=["market", "product"], name="market_price_one_per_product")]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.market_id}: {self.retail_price}"


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percent off the subtotal")
    AMOUNT = "amount", _("Fixed amount off the subtotal")


class Coupon(models.Model):
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=CouponKind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    times_used = models.PositiveIntegerField(default=0)
    min_subtotal = money_field()

    class Meta:
        constraints = [models.UniqueConstraint(Upper("code"), name="coupon_code_unique_ci")]

    def __str__(self) -> str:
        return self.code
