"""Form shapes for the web pages. They only check what a browser can get wrong (types, lengths, required); the
rules live in the services, whose ValidationError is shown next to the field it names (``errors_onto``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.communications.models import Audience
from core.members.models import BinarySpillover, CustomerType, MemberStatus, PlacementMethod, Side


def errors_onto(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors next to the fields they name; errors about anything else go on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class JoinForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField()
    username = forms.CharField(
        max_length=32, help_text="Your own site's address: 3 to 32 lowercase letters, digits or hyphens."
    )
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    phone = forms.CharField(max_length=40, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two-letter code, e.g. US.")


class CustomerSignupForm(forms.Form):
    customer_type = forms.ChoiceField(
        choices=CustomerType.choices,
        widget=forms.RadioSelect,
        initial=CustomerType.RETAIL,
        help_text="Preferred customers buy at the preferred price.",
    )
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)


class NewsletterForm(forms.Form):
    email = forms.EmailField(label="Your e-mail")


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    phone = forms.CharField(max_length=40, required=False)
    address_line1 = forms.CharField(max_length=200, required=False, label="Address")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address (line 2)")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two-letter code, e.g. US.")
    bio = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        required=False,
        help_text="Shown on your replicated site. Blank lines separate paragraphs.",
    )


class AvatarForm(forms.Form):
    avatar = forms.ImageField(help_text="A JPEG or PNG photo, at most 5 MB.")

    def clean_avatar(self):
        avatar = self.cleaned_data["avatar"]
        if avatar.size > 5 * 1024 * 1024:
            raise ValidationError("The photo is larger than 5 MB.")
        return avatar


class MemberEditForm(ProfileForm):
    binary_preferred_side = forms.TypedChoiceField(choices=Side.choices, coerce=int, label="Preferred binary side")


class ResponsorForm(forms.Form):
    new_sponsor = forms.IntegerField(label="New sponsor's member number")
    reason = forms.CharField(max_length=500)


class ReplaceForm(forms.Form):
    new_parent = forms.IntegerField(label="New placement parent's member number")
    position = forms.IntegerField(required=False, min_value=0, help_text="Binary: 0 left, 1 right. Matrix: 0..width-1.")
    reason = forms.CharField(max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=MemberStatus.choices)


class GenealogySettingsForm(forms.Form):
    placement_method = forms.ChoiceField(choices=PlacementMethod.choices)
    binary_spillover = forms.ChoiceField(choices=BinarySpillover.choices)
    matrix_width = forms.IntegerField(min_value=0, help_text="Forced matrix: 2 to 20 positions under each member.")
    holding_tank_days = forms.IntegerField(
        min_value=0, help_text="Days a sponsor has to place a new member; 0 places new members immediately."
    )


class BrandingForm(forms.Form):
    display_name = forms.CharField(max_length=200)
    primary_color = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Use a colour like #2f6f4e."},
    )
    support_email = forms.EmailField(required=False)
    replicated_subdomains_enabled = forms.BooleanField(
        required=False,
        label="Replicated sites on their own subdomain",
        help_text="Also serve each distributor's site at <username>.<company domain>.",
    )


class CompanyPageForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
        max_length=50_000,
        help_text="Plain text. Blank lines separate paragraphs; web addresses become links.",
    )
    published = forms.BooleanField(required=False)


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.DISTRIBUTORS)
    published_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty keeps it a draft; a future time schedules it.",
    )


class TrainingMaterialForm(forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.CharField(max_length=100, initial="General")
    order = forms.IntegerField(min_value=0, initial=0)
    url = forms.URLField(required=False, max_length=500, label="Link (video, document)", assume_scheme="https")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=50_000)
    published = forms.BooleanField(required=False, initial=True)


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=200, label="Company name")
    subdomain = forms.CharField(max_length=63, help_text="The company's site: <subdomain>.<platform domain>.")
    admin_email = forms.EmailField(label="First admin's e-mail")
    admin_first_name = forms.CharField(max_length=150, required=False)
    admin_last_name = forms.CharField(max_length=150, required=False)
    billing_email = forms.EmailField(required=False)
    price_plan = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from billing.models import PricePlan

        super().__init__(*args, **kwargs)
        self.fields["price_plan"].queryset = PricePlan.objects.order_by("name")


# ---------------------------------------------------------------------------------------------------- commerce


class CartAddForm(forms.Form):
    sku = forms.CharField(max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=999, initial=1)


def _card_field(required: bool = True) -> forms.ChoiceField:
    from frontend.payments import test_card_choices

    return forms.ChoiceField(
        choices=test_card_choices(),
        required=required,
        label="Card",
        widget=forms.RadioSelect,
        help_text="Stripe test cards (this site runs in Stripe test mode).",
    )


class CheckoutForm(forms.Form):
    payment = forms.ChoiceField(widget=forms.RadioSelect, label="How would you like to pay?")
    card = forms.ChoiceField(required=False)
    ship_country = forms.CharField(max_length=2, required=False, label="Country", help_text="Two-letter code, e.g. US.")
    ship_region = forms.CharField(max_length=100, required=False, label="State or region")
    coupon_code = forms.CharField(max_length=40, required=False, label="Coupon code")

    def __init__(self, *args, offline_allowed: bool, **kwargs):
        from frontend.payments import test_cards_enabled

        super().__init__(*args, **kwargs)
        choices = []
        if test_cards_enabled():
            choices.append(("card", "Card"))
        if offline_allowed:
            choices.append(("offline", "Pay offline (cash or check to your distributor)"))
        self.fields["payment"].choices = choices
        if choices:
            self.fields["payment"].initial = choices[0][0]
        self.fields["card"] = _card_field(required=False)

    def clean(self):
        data = super().clean()
        if data.get("payment") == "card" and not data.get("card"):
            self.add_error("card", "Choose a card.")
        return data


class CardForm(forms.Form):
    card = _card_field()


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=40, label="SKU")
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    category = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="(no category)", help_text="Categories are kept under Products."
    )
    retail_price = forms.DecimalField(max_digits=14, decimal_places=2)
    preferred_price = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Empty: preferred customers pay retail."
    )
    distributor_price = forms.DecimalField(max_digits=14, decimal_places=2)
    pv = forms.DecimalField(max_digits=14, decimal_places=2, label="PV per unit", initial=0)
    cv = forms.DecimalField(max_digits=14, decimal_places=2, label="CV per unit", initial=0)
    taxable = forms.BooleanField(required=False, initial=True)
    track_inventory = forms.BooleanField(required=False, initial=True)
    allow_backorder = forms.BooleanField(required=False)
    low_stock_threshold = forms.IntegerField(min_value=0, initial=0)

    def __init__(self, *args, **kwargs):
        from core.commerce.models import ProductCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.order_by("name", "id")


class StockForm(forms.Form):
    kind = forms.ChoiceField(choices=[("receive", "Receive"), ("adjust", "Adjust (signed count correction)")])
    sku = forms.CharField(max_length=40, label="SKU")
    warehouse = forms.ModelChoiceField(queryset=None)
    quantity = forms.IntegerField(help_text="Receipts are positive; an adjustment may be negative.")
    note = forms.CharField(max_length=300, required=False, help_text="Required for an adjustment.")

    def __init__(self, *args, **kwargs):
        from core.commerce.models import Warehouse

        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("id")


class OfflinePaymentForm(forms.Form):
    method = forms.ChoiceField(choices=[("cash", "Cash"), ("check", "Check"), ("other", "Other offline")])
    reference = forms.CharField(max_length=200, required=False, help_text="Check number, receipt ...")


class RefundForm(forms.Form):
    """One quantity field per order line that still has units to refund, plus the reason."""

    restock = forms.BooleanField(required=False, initial=True, label="Put the units back in stock")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            left = line.quantity - line.refunded_quantity
            if left <= 0:
                continue
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                min_value=0, max_value=left, initial=0, label=f"{line.sku} {line.name} (up to {left})"
            )
            self.line_fields.append((name, line.pk))
        self.order_fields([name for name, _ in self.line_fields] + ["restock", "reason"])

    def refund_lines(self) -> dict[int, int]:
        return {pk: self.cleaned_data[name] for name, pk in self.line_fields if self.cleaned_data.get(name)}


# ---------------------------------------------------------------------------------------------------- demotion

POLICY_ACTIONS = [
    ("notice", "Notice only (e-mail)"),
    ("access_demotion", "Access demotion (profile and payment pages only)"),
    ("commission_exclusion", "Commission exclusion"),
    ("preferred_pricing_loss", "Preferred-pricing loss (own orders at retail)"),
    ("login_deactivation", "Login deactivation"),
    ("move_downline", "Move downline to the upline sponsor"),
    ("move_to_terminated_tree", "Move to the terminated tree"),
]


class PolicySettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, initial=True, label="Policy enabled")
    psv_basis = forms.ChoiceField(
        choices=[("psv", "PSV: own orders and customer sales"), ("personal_purchases", "Personal purchases only")],
        label="Volume counted",
    )
    decline_grace_days = forms.IntegerField(
        min_value=0, label="Grace days after a declined charge", help_text="Days of retries before any stage applies."
    )


class StageForm(forms.Form):
    key = forms.CharField(max_length=60, required=False)
    name = forms.CharField(max_length=200, required=False)
    subscription_lapsed = forms.BooleanField(required=False, label="Subscription unpaid, declined or expired")
    subscription_unpaid_days = forms.IntegerField(required=False, label="Days since last paid subscription ≥")
    psv_min = forms.DecimalField(required=False, max_digits=14, decimal_places=2, label="PSV below")
    psv_window_days = forms.IntegerField(required=False, label="within days")
    combine = forms.ChoiceField(choices=[("any", "Any condition"), ("all", "All conditions")], initial="any")
    actions = forms.MultipleChoiceField(choices=POLICY_ACTIONS, required=False, widget=forms.CheckboxSelectMultiple)
    email_subject = forms.CharField(max_length=300, required=False)
    email_body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


StageFormSet = forms.formset_factory(StageForm, extra=1, can_delete=True)


class PolicyJsonForm(forms.Form):
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}), label="Policy (JSON)")


class DayForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
