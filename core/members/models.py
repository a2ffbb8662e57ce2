"""Distributors (members), customers and the two genealogy trees, stored in each company's schema.

Tree storage — why an adjacency list plus a materialised path of ids (``bigint[]``) with a GIN index:

* Each tree (sponsor/enrolment and placement) keeps the parent id, the depth and the path of ancestor ids from the
  root down to the member itself. The upline is one primary-key lookup of the path; "is B in A's downline" is
  ``B.path @> {A}``; the whole downline is ``path @> ARRAY[A]`` answered by the GIN index (measured: 1M members,
  count of the root's downline 83 ms, of a 66k-member leg 100 ms, of a 1.4k-member leg 3 ms).
* ltree with a GiST index was rejected: its index rows overflow past about 1,000 levels, and real companies have
  recruiting chains of thousands of levels. A GIN index stores one entry per (element, row), so a 3,000-level path
  is 3,000 small entries, never one oversized index row.
* A closure table was rejected: a deep chain needs O(depth²) rows (4.5M for one 3,000-level chain) and re-sponsoring
  a large leg rewrites millions of rows. Here a move rewrites the paths of the moved subtree only, in one UPDATE.
* Bounded-depth reads (a page of a 3-level downline, a frontline) use the parent column and its btree index.
* The size of each member's whole downline is kept on the row (``<tree>_downline_count``), adjusted on the ancestors
  of every enrolment and move (one UPDATE of at most ``depth`` rows), because "how big is my organisation" is read on
  every dashboard while a leg of a million members takes about a second to count from the path index.

Moves never lose history: every change of a parent is a ``TreeEvent`` grouped in a ``TreeMove`` (who, when, why),
which is enough to rebuild either tree as of any date and to undo a move.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy


class MemberStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    ACTIVE = "active", gettext_lazy("Active")
    INACTIVE = "inactive", gettext_lazy("Inactive")
    SUSPENDED = "suspended", gettext_lazy("Suspended")
    TERMINATED = "terminated", gettext_lazy("Terminated")


class Tree(models.TextChoices):
    SPONSOR = "sponsor", gettext_lazy("Sponsor (enrolment) tree")
    PLACEMENT = "placement", gettext_lazy("Placement tree")


class PlacementMethod(models.TextChoices):
    UNILEVEL = "unilevel", gettext_lazy("Enrolment tree only (unilevel)")
    BINARY = "binary", gettext_lazy("Binary (left/right)")
    MATRIX = "matrix", gettext_lazy("Forced matrix")


class BinarySpillover(models.TextChoices):
    EXTREME_OUTSIDE = "extreme_outside", gettext_lazy("Extreme outside leg (the sponsor's chosen side)")
    WEAKER_LEG = "weaker_leg", gettext_lazy("Weaker leg (fewer members)")
    SPONSOR_PICKS = "sponsor_picks", gettext_lazy("Sponsor picks the position")


class Side(models.IntegerChoices):
    LEFT = 0, gettext_lazy("Left")
    RIGHT = 1, gettext_lazy("Right")


class GenealogySettings(models.Model):
    """How this company places new members. One row per company schema (created on first use)."""

    placement_method = models.CharField(
        max_length=16, choices=PlacementMethod.choices, default=PlacementMethod.UNILEVEL
    )
    binary_spillover = models.CharField(
        max_length=20, choices=BinarySpillover.choices, default=BinarySpillover.EXTREME_OUTSIDE
    )
    matrix_width = models.PositiveSmallIntegerField(default=3)
    holding_tank_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days a sponsor has to place a new member; 0 places new members immediately."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "genealogy settings"

    def __str__(self) -> str:
        return f"Placement: {self.get_placement_method_display()}"


class Member(models.Model):
    """A distributor. Never deleted: termination is a status, and orders, ledger lines and tree events point here."""

    number = models.BigIntegerField(unique=True, help_text="Member number from the company's sequence.")
    username = models.CharField(max_length=32, help_text="URL-safe; the replicated site lives at /<username>/.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="member"
    )
    status = models.CharField(max_length=12, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    # Where the member buys and is paid (issue 19); null: the company's base currency and default prices.
    market = models.ForeignKey(
        "company.Market", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField()
    imported_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the member was brought in from another system: obligations such as the back-office fee "
        "count from here, since their history before it is not in Canopy.",
    )

    sponsor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="recruits")
    sponsor_path = ArrayField(models.BigIntegerField(), default=list)
    sponsor_depth = models.IntegerField(default=0)
    sponsor_downline_count = models.IntegerField(default=0, help_text="Members anywhere under this one.")

    placement_parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="placement_children"
    )
    placement_position = models.SmallIntegerField(
        null=True, blank=True, help_text="Binary: 0 left, 1 right. Matrix: the slot 0..width-1."
    )
    placement_path = ArrayField(models.BigIntegerField(), default=list)
    placement_depth = models.IntegerField(default=0)
    placement_downline_count = models.IntegerField(default=0)
    holding_tank_until = models.DateTimeField(
        null=True, blank=True, help_text="Set while the member waits in the holding tank for the sponsor to place them."
    )
    binary_preferred_side = models.SmallIntegerField(choices=Side.choices, default=Side.LEFT)

    paid_as_rank = models.CharField(max_length=40, blank=True)
    highest_rank = models.CharField(max_length=40, blank=True)

    # Consequences set by the demotion policy (core.demotion); other apps read them.
    access_restricted = models.BooleanField(default=False)
    commission_excluded = models.BooleanField(default=False)
    preferred_pricing_suspended = models.BooleanField(default=False)

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    # "Find a distributor" on the company site lists only members who opted in (name, city and site link; issue 13).
    listed_in_directory = models.BooleanField(default=False, db_default=False)  # bulk imports COPY without it
    tax_id_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    tax_id_last4 = models.CharField(max_length=4, blank=True, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="member_username_unique_ci"),
            models.UniqueConstraint(
                fields=["placement_parent", "placement_position"],
                condition=models.Q(placement_position__isnull=False),
                name="member_one_member_per_slot",
            ),
        ]
        indexes = [
            GinIndex(fields=["sponsor_path"], name="member_sponsor_path_gin"),
            GinIndex(fields=["placement_path"], name="member_placement_path_gin"),
            models.Index(fields=["status"], name="member_status_idx"),
            models.Index(fields=["joined_at"], name="member_joined_idx"),
            models.Index(fields=["last_name", "first_name"], name="member_name_idx"),
            models.Index(
                fields=["last_name", "first_name"],
                condition=models.Q(listed_in_directory=True),
                name="member_directory_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.full_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tax_id_masked(self) -> str:
        return f"•••-••-{self.tax_id_last4}" if self.tax_id_last4 else ""

    @property
    def in_holding_tank(self) -> bool:
        return self.holding_tank_until is not None and self.placement_parent_id is None


class CustomerType(models.TextChoices):
    RETAIL = "retail", gettext_lazy("Retail customer")
    PREFERRED = "preferred", gettext_lazy("Preferred customer")


class Customer(models.Model):
    """A customer credited to one distributor. Moving them to another distributor is recorded, never overwritten."""

    number = models.BigIntegerField(unique=True)
    customer_type = models.CharField(max_length=10, choices=CustomerType.choices, default=CustomerType.RETAIL)
    distributor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="customers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="customer"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    market = models.ForeignKey(
        "company.Market", null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["distributor", "number"], name="customer_distributor_idx")]

    def __str__(self) -> str:
        return f"Customer {self.number} {self.first_name} {self.last_name}"


class CustomerTransfer(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="transfers")
    from_distributor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    to_distributor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"Customer {self.customer_id} moved to #{self.to_distributor_id}"


class MoveKind(models.TextChoices):
    PLACE = "place", gettext_lazy("Placed from the holding tank")
    RESPONSOR = "responsor", gettext_lazy("Re-sponsor")
    REPLACE = "replace", gettext_lazy("Re-place")
    FRONTLINE_UP = "frontline_up", gettext_lazy("Frontline moved up to the sponsor")
    DOWNLINE_MOVE = "downline_move", gettext_lazy("Downline moved by the demotion policy")
    TERMINATED_TREE = "terminated_tree", gettext_lazy("Moved under the terminated-tree root")
    UNDO = "undo", gettext_lazy("Undo of an earlier move")


class TreeMove(models.Model):
    """One admin or policy action that changed one or more parents, undone as a whole."""

    kind = models.CharField(max_length=20, choices=MoveKind.choices)
    subject = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="moves_as_subject")
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    undoes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by")

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of #{self.subject_id} at {self.moved_at:%Y-%m-%d %H:%M}"


class TreeEvent(models.Model):
    """One parent change in one tree. Rebuilding a tree as of a date undoes the events after it, newest first."""

    move = models.ForeignKey(TreeMove, on_delete=models.PROTECT, related_name="events")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="tree_events")
    tree = models.CharField(max_length=10, choices=Tree.choices)
    old_parent = models.ForeignKey(Member, null=True, on_delete=models.PROTECT, related_name="+")
    new_parent = models.ForeignKey(Member, null=True, on_delete=models.PROTECT, related_name="+")
    old_position = models.SmallIntegerField(null=True)
    new_position = models.SmallIntegerField(null=True)
    happened_at = models.DateTimeField()

    class Meta:
        ordering = ["happened_at", "id"]
        indexes = [models.Index(fields=["tree", "happened_at"], name="tree_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.tree}: {self.member_id} from {self.old_parent_id} to {self.new_parent_id}"


class MarketChange(models.Model):
    """The audit of a person's market being changed by an admin (issue 19): who, from which market to which, when,
    and why. Past orders keep the market and currency they were placed in; only new orders follow the change."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="market_changes")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="market_changes"
    )
    old_market = models.ForeignKey("company.Market", null=True, on_delete=models.PROTECT, related_name="+")
    new_market = models.ForeignKey("company.Market", null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=True, customer__isnull=False)
                | models.Q(member__isnull=False, customer__isnull=True),
                name="market_change_member_or_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id or self.customer_id}: {self.old_market_id} -> {self.new_market_id}"
