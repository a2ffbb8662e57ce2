"""Commerce, per company schema: products and price tiers, stock, orders with their price/volume snapshot, payments,
refunds, the volume each order creates for members per commission period, and the back-office subscription.

Volume rules (see services.volume_recompute and selectors):
* An order counts from the day it is paid (``paid_on``, in the company's time zone), in the commission period that
  contains that day (``period_start``). Refunds reduce the order's own net figures (``refunded_pv`` ...), so the
  volume of the order's original period goes down; if that period was already closed for commissions, a
  ``ClawbackFlag`` records what the plan engine must claw back in a later period.
* PV: a distributor's own orders. PSV: PV plus the orders of the distributor's customers. CV: the commissionable value
  of every order credited to the member (own and customers'). Coupons reduce money, never volume.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper

from core.members.models import Customer, Member

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)


def volume_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class CommerceSettings(models.Model):
    """One row per company schema (created on first use): its own Stripe account and commerce policies."""

    stripe_secret_key = models.CharField(max_length=200, blank=True, help_text="The company's own Stripe secret key.")
    stripe_publishable_key = models.CharField(max_length=200, blank=True)
    offline_payments_allowed = models.BooleanField(default=True, help_text="Cash/check payments recorded by staff.")
    subscription_enabled = models.BooleanField(default=False)
    subscription_fee = money_field(help_text="Monthly back-office fee per distributor.")
    subscription_first_charge_delay_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after joining before a new distributor's first back-office fee is due."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "commerce settings"

    def __str__(self) -> str:
        return "Commerce settings"


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
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class Product(models.Model):
    """Never deleted once ordered (order lines PROTECT it): retire it instead."""

    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
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

    # ---------------------------------------------------------------------------------------------------- inventory

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
    RECEIPT = "receipt", "Receipt"
    SALE = "sale", "Sale"
    RETURN = "return", "Return"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"


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

    # ---------------------------------------------------------------------------------------------------- tax, coupons

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


class CouponKind(models.TextChoices):
    PERCENT = "percent", "Percent off the subtotal"
    AMOUNT = "amount", "Fixed amount off the subtotal"


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


# ---------------------------------------------------------------------------------------------------- parties


class PartyStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Party(models.Model):
    """A consultant's party: guests' orders are credited to the consultant; the host is recorded for host rewards."""

    consultant = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="parties")
    name = models.CharField(max_length=200)
    host_name = models.CharField(max_length=200)
    host_email = models.EmailField(blank=True)
    host_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    status = models.CharField(max_length=10, choices=PartyStatus.choices, default=PartyStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------- orders


class PlacedBy(models.TextChoices):
    DISTRIBUTOR = "distributor", "Distributor for themselves"
    CUSTOMER = "customer", "Customer"
    STAFF = "staff", "Company staff"
    IMPORT = "import", "Third-party import"
    AUTOSHIP = "autoship", "Autoship"
    PARTY = "party", "Party guest"


class PriceTier(models.TextChoices):
    RETAIL = "retail", "Retail"
    PREFERRED = "preferred", "Preferred"
    DISTRIBUTOR = "distributor", "Distributor"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class Order(models.Model):
    number = models.BigIntegerField(unique=True)
    placed_by = models.CharField(max_length=12, choices=PlacedBy.choices)
    buyer_member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    buyer_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    buyer_name = models.CharField(max_length=200, blank=True, help_text="A party guest or imported buyer.")
    credited_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="credited_orders")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    price_tier = models.CharField(max_length=12, choices=PriceTier.choices)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    currency = models.CharField(max_length=3)

    subtotal = money_field()
    discount = money_field()
    tax = money_field()
    total = money_field()
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    pv_total = volume_field()
    cv_total = volume_field()
    retail_total = money_field(help_text="The lines at retail price (retail-profit bonus).")
    distributor_total = money_field(help_text="The lines at distributor price (retail-profit bonus).")

    refunded_amount = money_field()
    refunded_pv = volume_field()
    refunded_cv = volume_field()
    refunded_retail = money_field()
    refunded_distributor = money_field()

    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    ship_country = models.CharField(max_length=2, blank=True)
    ship_region = models.CharField(max_length=100, blank=True)
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True, help_text="The day (company time zone) volume counts from.")
    period_start = models.DateField(null=True, blank=True, help_text="The commission period of paid_on.")
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    external_ref = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text="Import key: re-importing never doubles an order."
    )
    autoship = models.ForeignKey("Autoship", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(buyer_member__isnull=False) & models.Q(buyer_customer__isnull=False)),
                name="order_one_kind_of_buyer",
            )
        ]
        indexes = [
            models.Index(fields=["credited_member", "paid_on"], name="order_credited_paid_idx"),
            models.Index(fields=["paid_on"], name="order_paid_on_idx"),
            models.Index(fields=["period_start", "credited_member"], name="order_period_idx"),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    @property
    def is_personal(self) -> bool:
        """The distributor's own purchase (PV), as opposed to a customer's or guest's (PSV only)."""
        return self.buyer_member_id is not None and self.buyer_member_id == self.credited_member_id


class OrderLine(models.Model):
    """The price, PV and CV at the time of sale; later price changes never touch it."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = money_field()
    unit_pv = volume_field()
    unit_cv = volume_field()
    unit_retail = money_field()
    unit_distributor = money_field()
    taxable = models.BooleanField()
    line_subtotal = money_field()
    line_discount = money_field()
    line_tax = money_field()
    line_total = money_field()
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class PaymentMethod(models.TextChoices):
    STRIPE = "stripe", "Card (Stripe)"
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    OTHER = "other", "Other offline"
    EXTERNAL = "external", "Paid to a third party (import)"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    amount = money_field()
    reference = models.CharField(max_length=200, blank=True, help_text="Check number, receipt...")
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} {self.amount} ({self.status})"


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    pv = volume_field()
    cv = volume_field()
    restocked = models.BooleanField()
    reason = models.CharField(max_length=500)
    stripe_refund_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Refund {self.pk} of order {self.order_id}: {self.amount}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    amount = money_field()

    # ---------------------------------------------------------------------------------------------------- volume

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


class MemberVolume(models.Model):
    """Per member per commission period; recomputed from orders (volume_recompute) on every pay and refund."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="volumes")
    period_start = models.DateField()
    pv = volume_field()
    psv = volume_field()
    cv = volume_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period_start", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "period_start"], name="volume_one_row_per_period")]
        indexes = [models.Index(fields=["period_start"], name="volume_period_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period_start}: PV {self.pv} PSV {self.psv} CV {self.cv}"


class CommissionPeriodClose(models.Model):
    """Set by the plan engine when it posts a period: later refunds of its orders are flagged for clawback."""

    period_start = models.DateField(unique=True)
    closed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"Period {self.period_start} closed"


class ClawbackFlag(models.Model):
    """A refund of an order whose period was already paid: the plan engine claws back in a later period."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="clawback_flags")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="clawback_flag")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="clawback_flags")
    period_start = models.DateField(help_text="The closed period the refunded order counted in.")
    pv = volume_field()
    cv = volume_field()
    amount = money_field()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    # ---------------------------------------------------------------------------------------------------- subscription

    def __str__(self) -> str:
        return f"Clawback of order {self.order_id} in {self.period_start}"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELLED = "cancelled", "Cancelled"


class BackOfficeSubscription(models.Model):
    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="subscription")
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    next_due_on = models.DateField(help_text="The due date of the next (or the unpaid) fee.")
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_payment_method_id = models.CharField(max_length=100, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Subscription of {self.member_id} due {self.next_due_on}"


class AttemptOutcome(models.TextChoices):
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"
    EXPIRED_CARD = "expired_card", "Expired card"
    NO_CARD = "no_card", "No card on file"
    ERROR = "error", "Error"


class SubscriptionAttempt(models.Model):
    """Every charge attempt of a back-office fee; the demotion policy reads this history."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="subscription_attempts")
    due_on = models.DateField()
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=14, choices=AttemptOutcome.choices)
    amount = money_field()
    trigger = models.CharField(max_length=10, default="schedule", help_text="schedule or member (paid by hand)")
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["member", "outcome", "due_on"], name="sub_attempt_member_idx")]

    # ---------------------------------------------------------------------------------------------------- autoship

    def __str__(self) -> str:
        return f"{self.member_id} {self.due_on}: {self.outcome}"


class AutoshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"


class Autoship(models.Model):
    """A recurring order for a member or a customer; placed on next_run_on, retried daily up to max_retries."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="autoships")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="autoships")
    interval_months = models.PositiveSmallIntegerField(default=1)
    next_run_on = models.DateField()
    status = models.CharField(max_length=10, choices=AutoshipStatus.choices, default=AutoshipStatus.ACTIVE)
    failures = models.PositiveSmallIntegerField(default=0)
    max_retries = models.PositiveSmallIntegerField(default=3)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_payment_method_id = models.CharField(max_length=100, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    ship_region = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) ^ models.Q(customer__isnull=False),
                name="autoship_member_xor_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Autoship {self.pk} next {self.next_run_on}"


class AutoshipItem(models.Model):
    autoship = models.ForeignKey(Autoship, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class AutoshipRun(models.Model):
    """One attempt of an autoship (and the notice it produced)."""

    autoship = models.ForeignKey(Autoship, on_delete=models.PROTECT, related_name="runs")
    run_on = models.DateField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    succeeded = models.BooleanField()
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Autoship {self.autoship_id} on {self.run_on}: {self.succeeded}"


# ---------------------------------------------------------------------------------------------------- imports


class ImportStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    REJECTED = "rejected", "Rejected (nothing posted)"


class SalesImport(models.Model):
    """One upload of a partner's sales CSV. Either every new row is posted or none is; rows already imported
    (same partner and external id) are skipped, so re-importing a file never double counts."""

    partner = models.CharField(max_length=50)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    posted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, field, message}] when rejected")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner} {self.file_name} ({self.status})"
