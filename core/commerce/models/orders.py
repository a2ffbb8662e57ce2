"""Parties, orders with their price and volume snapshot, payments and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy

from core.commerce.models.base import money_field, volume_field
from core.commerce.models.catalogue import Coupon, Product, Warehouse
from core.members.models import Customer, Member

# ---------------------------------------------------------------------------------------------------- parties


class PartyStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("Open")
    CLOSED = "closed", gettext_lazy("Closed")


class Party(models.Model):
    """A consultant's party: guests' orders are credited to the consultant. The host reward is paid to the host, who
    is a member (host_member) or a customer (host_customer), never both; a host who is neither (host_name and
    host_email only, for display) cannot be paid, and a commission run refuses to post a reward for such a party."""

    consultant = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="parties")
    name = models.CharField(max_length=200)
    host_name = models.CharField(max_length=200)
    host_email = models.EmailField(blank=True)
    host_member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    host_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    status = models.CharField(max_length=10, choices=PartyStatus.choices, default=PartyStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(host_member__isnull=True) | models.Q(host_customer__isnull=True),
                name="party_host_member_or_customer",
            )
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------- orders


class PlacedBy(models.TextChoices):
    DISTRIBUTOR = "distributor", gettext_lazy("Distributor for themselves")
    CUSTOMER = "customer", gettext_lazy("Customer")
    STAFF = "staff", gettext_lazy("Company staff")
    IMPORT = "import", gettext_lazy("Third-party import")
    AUTOSHIP = "autoship", gettext_lazy("Autoship")
    PARTY = "party", gettext_lazy("Party guest")


class PriceTier(models.TextChoices):
    RETAIL = "retail", gettext_lazy("Retail")
    PREFERRED = "preferred", gettext_lazy("Preferred")
    DISTRIBUTOR = "distributor", gettext_lazy("Distributor")


class OrderStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    PAID = "paid", gettext_lazy("Paid")
    SHIPPED = "shipped", gettext_lazy("Shipped")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", gettext_lazy("Partially refunded")
    REFUNDED = "refunded", gettext_lazy("Refunded")


def net_of_refunds(total: str, refunded: str) -> models.GeneratedField:
    """``total - refunded`` in whole hundredths, kept by the database on every write of the row (plans.loader)."""
    return models.GeneratedField(
        expression=Cast((F(total) - F(refunded)) * 100, models.BigIntegerField()),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )


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
    # The market the order was placed in (issue 19): its currency, prices and tax rule; null: the company's base.
    market = models.ForeignKey("company.Market", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    # True: the prices included the tax, so ``tax`` is the part of the total that is tax (total = subtotal -
    # discount + shipping); False: the tax was added (total = subtotal - discount + tax + shipping).
    tax_included = models.BooleanField(default=False, db_default=False)

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
    # What a commission run counts of the order, net of its refunds, as whole hundredths: computed by the database
    # when the row is written, so loading a period of millions of orders reads integers instead of doing numeric
    # arithmetic on each row (2.2 of the 4 s the 1M-member bench's 2M orders took to load). See plans.loader.
    net_pv_hundredths = net_of_refunds("pv_total", "refunded_pv")
    net_cv_hundredths = net_of_refunds("cv_total", "refunded_cv")
    net_retail_cents = net_of_refunds("retail_total", "refunded_retail")
    net_distributor_cents = net_of_refunds("distributor_total", "refunded_distributor")

    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    ship_country = models.CharField(max_length=2, blank=True)
    ship_region = models.CharField(max_length=100, blank=True)
    # The addresses the buyer gave at checkout (empty on orders placed elsewhere); the billing address is a copy of
    # the shipping address when the buyer said "same as shipping".
    ship_name = models.CharField(db_default="", max_length=200, blank=True)
    ship_line1 = models.CharField(db_default="", max_length=200, blank=True)
    ship_line2 = models.CharField(db_default="", max_length=200, blank=True)
    ship_city = models.CharField(db_default="", max_length=100, blank=True)
    ship_postal_code = models.CharField(db_default="", max_length=20, blank=True)
    bill_name = models.CharField(db_default="", max_length=200, blank=True)
    bill_line1 = models.CharField(db_default="", max_length=200, blank=True)
    bill_line2 = models.CharField(db_default="", max_length=200, blank=True)
    bill_city = models.CharField(db_default="", max_length=100, blank=True)
    bill_postal_code = models.CharField(db_default="", max_length=20, blank=True)
    bill_region = models.CharField(db_default="", max_length=100, blank=True)
    bill_country = models.CharField(db_default="", max_length=2, blank=True)
    shipping_method = models.CharField(
        db_default="", max_length=100, blank=True, help_text="The shipping method's name when placed."
    )
    shipping = money_field(db_default=Decimal("0.00"), help_text="The shipping fee (untaxed), part of the total.")
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
    STRIPE = "stripe", gettext_lazy("Card (Stripe)")
    CASH = "cash", gettext_lazy("Cash")
    CHECK = "check", gettext_lazy("Check")
    OTHER = "other", gettext_lazy("Other offline")
    EXTERNAL = "external", gettext_lazy("Paid to a third party (import)")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed")


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


class PaymentAttemptStatus(models.TextChoices):
    IN_FLIGHT = "in_flight", gettext_lazy("In flight")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed")
    REFUNDED = "refunded", gettext_lazy("Refunded (order no longer payable)")


class PaymentAttempt(models.Model):
    """One card charge of an order, written and committed before Stripe is called: its idempotency key goes to Stripe
    and its id into the PaymentIntent's metadata, so a charge whose outcome we never recorded (a killed process, a
    network error) is found again by payments_reconcile. At most one attempt per order is in flight."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payment_attempts")
    number = models.PositiveIntegerField(help_text="1, 2, ... per order.")
    idempotency_key = models.CharField(max_length=100, unique=True)
    amount = money_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentAttemptStatus.choices, default=PaymentAttemptStatus.IN_FLIGHT
    )
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="attempt")
    failure_code = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="For staff and the log, never the customer.")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="payment_attempt_order_number_uniq"),
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="in_flight"),
                name="payment_attempt_one_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.status})"


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

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


# Orders in these states count for volume (paid, whatever happened after); these can still be refunded.
VOLUME_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
REFUNDABLE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)
