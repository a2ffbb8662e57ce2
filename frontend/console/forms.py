"""Forms of the company console. Shapes only: they check what a browser can get wrong (types, lengths, required);
the rules live in the services, whose ValidationError is shown next to the field it names (errors_onto)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.communications.emails import EMAIL_BODY_MAX, EMAIL_SUBJECT_MAX
from core.communications.models import Audience
from core.company.models import PolicyAudience
from core.members.models import BinarySpillover, MemberStatus, PlacementMethod, Side
from core.webhooks.models import WebhookEvent
from frontend.common.forms import ProfileForm, TranslatedForm
from frontend.console.forms_commerce import (  # noqa: F401 (re-exported: the views import every console form from here)
    CategoryForm,
    CategoryRenameForm,
    CouponForm,
    OfflinePaymentForm,
    ProductCategoryForm,
    ProductForm,
    ProductImageForm,
    RefundForm,
    ShippingMethodForm,
    StockForm,
    TaxRateForm,
)
from frontend.console.forms_plans import (  # noqa: F401 (re-exported: the views import every console form from here)
    CONSOLE_MAX_GENERATED,
    ActivateForm,
    AdjustmentForm,
    ConfirmForm,
    ExchangeRateForm,
    ExchangeRatesFileForm,
    GeneratedSimulateForm,
    PayoutForm,
    PeriodChoice,
    PeriodForm,
    PlanDocumentForm,
    SimulateForm,
    WhatIfForm,
)


class MemberEditForm(ProfileForm):
    binary_preferred_side = forms.TypedChoiceField(choices=Side.choices, coerce=int, label=_("Preferred binary side"))


class ResponsorForm(forms.Form):
    new_sponsor = forms.IntegerField(label=_("New sponsor's member number"), min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReplaceForm(forms.Form):
    new_parent = forms.IntegerField(label=_("New placement parent's member number"), min_value=1, max_value=2**63 - 1)
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        min_value=0,
        max_value=32_766,
        help_text=_("Binary: 0 left, 1 right. Matrix: 0..width-1."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)


class GenealogySettingsForm(forms.Form):
    placement_method = forms.ChoiceField(label=_("Placement method"), choices=PlacementMethod.choices)
    binary_spillover = forms.ChoiceField(label=_("Binary spillover"), choices=BinarySpillover.choices)
    matrix_width = forms.IntegerField(
        label=_("Matrix width"),
        min_value=0,
        max_value=32_767,
        help_text=_("Forced matrix: 2 to 20 positions under each member."),
    )
    holding_tank_days = forms.IntegerField(
        label=_("Holding tank days"),
        min_value=0,
        max_value=3650,
        help_text=_("Days a sponsor has to place a new member; 0 places new members immediately."),
    )


class BrandingForm(TranslatedForm):
    translated_fields = ("hero_title", "hero_text")

    display_name = forms.CharField(label=_("Display name"), max_length=200)
    primary_color = forms.RegexField(
        label=_("Primary color"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Use a colour like #2f6f4e.")},
    )
    secondary_color = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        required=False,
        label=_("Secondary colour"),
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Use a colour like #f0b429.")},
        help_text=_("Accents on the company site: the hero's call to action and highlights."),
    )
    logo = forms.ImageField(
        required=False,
        widget=forms.FileInput,
        label=_("Logo"),
        help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB and 4000 × 4000 pixels."),
    )
    hero_title = forms.CharField(
        max_length=120, required=False, label=_("Hero title"), help_text=_("The big line on the company's home page.")
    )
    hero_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=600, required=False, label=_("Hero text")
    )
    hero_image = forms.ImageField(
        required=False,
        widget=forms.FileInput,
        label=_("Hero picture"),
        help_text=_("Shown beside the hero text. PNG, JPEG, WebP or GIF, at most 2 MB and 4000 × 4000 pixels."),
    )
    house_member_number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**62,
        label=_("House account (member number)"),
        help_text=_(
            "Credited with company-site sales when the visitor neither picked a distributor nor came through one. "
            "Empty: the company's root member."
        ),
    )
    support_email = forms.EmailField(label=_("Support email"), required=False)
    from_email = forms.EmailField(
        required=False,
        label=_("Send e-mails from"),
        help_text=_(
            "Order confirmations and other e-mails come from this address under your company's name when its domain "
            "is verified for sending on the platform; otherwise from the platform's address under your company's "
            "name, with replies going to this address. Empty: the platform's address."
        ),
    )
    replicated_subdomains_enabled = forms.BooleanField(
        required=False,
        label=_("Replicated sites on their own subdomain"),
        help_text=_("Also serve each distributor's site at <username>.<company domain>."),
    )
    require_two_factor_for_admins = forms.BooleanField(
        required=False,
        label=_("Company admins sign in with a second factor"),
        help_text=_(
            "Every company admin must also enter a code from an authenticator app; one who has not set one up is "
            "asked to before anything else."
        ),
    )
    statement_attached_to_email = forms.BooleanField(
        required=False,
        label=_("Attach the commission statement to the “commissions posted” e-mail"),
        help_text=_("Each distributor paid in a posted period gets their statement for it as a PDF."),
    )
    office_contact_email = forms.BooleanField(
        required=False,
        label=_("Uplines may e-mail their downline from the back office"),
        help_text=_("An e-mail button on the page of each member in a distributor's downline."),
    )
    office_contact_phone = forms.BooleanField(
        required=False,
        label=_("Uplines may call their downline from the back office"),
        help_text=_("A call button with the member's phone number on the same page."),
    )


class CompanyPageForm(TranslatedForm):
    translated_fields = ("title", "body")

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
        max_length=50_000,
        help_text=_("Plain text. Blank lines separate paragraphs; web addresses become links."),
    )
    published = forms.BooleanField(label=_("Published"), required=False)


class AnnouncementForm(TranslatedForm):
    translated_fields = ("title", "body")

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.DISTRIBUTORS)
    published_at = forms.DateTimeField(
        required=False,
        label=_("Publish at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty keeps it a draft; a future time schedules it."),
    )


class TrainingMaterialForm(TranslatedForm):
    translated_fields = ("title", "body")

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.CharField(max_length=100, initial=_("General"), label=_("Category"))
    order = forms.IntegerField(
        label=pgettext_lazy("position in a list", "Order"), min_value=0, max_value=32_767, initial=0
    )
    url = forms.URLField(required=False, max_length=500, label=_("Link (video, document)"), assume_scheme="https")
    body = forms.CharField(
        label=_("Body"), widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=50_000
    )
    published = forms.BooleanField(label=_("Published"), required=False, initial=True)


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        max_length=500, label=_("URL"), assume_scheme="https", help_text=_("Where the events are posted.")
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


POLICY_ACTIONS = [
    ("notice", _("Notice only (e-mail)")),
    ("access_demotion", _("Access demotion (profile and payment pages only)")),
    ("commission_exclusion", _("Commission exclusion")),
    ("preferred_pricing_loss", _("Preferred-pricing loss (own orders at retail)")),
    ("login_deactivation", _("Login deactivation")),
    ("move_downline", _("Move downline to the upline sponsor")),
    ("move_to_terminated_tree", _("Move to the terminated tree")),
]


# ---------------------------------------------------------------------------------------------------- demotion


class PolicySettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, initial=True, label=_("Policy enabled"))
    psv_basis = forms.ChoiceField(
        choices=[
            ("psv", _("PSV: own orders and customer sales")),
            ("personal_purchases", _("Personal purchases only")),
        ],
        label=_("Volume counted"),
    )
    decline_grace_days = forms.IntegerField(
        min_value=0,
        label=_("Grace days after a declined charge"),
        help_text=_("Days of retries before any stage applies."),
    )


class StageForm(forms.Form):
    key = forms.CharField(
        max_length=60, required=False, label=_("Key"), help_text=_("Letters, digits and underscores; used in reports.")
    )
    name = forms.CharField(max_length=200, required=False, label=_("Name"))
    subscription_lapsed = forms.BooleanField(required=False, label=_("Subscription unpaid, declined or expired"))
    subscription_unpaid_days = forms.IntegerField(
        required=False, label=_("Days since the last paid subscription, at least")
    )
    psv_min = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, label=_("Minimum sales volume (PSV)"),
        help_text=_("The stage holds when the member's PSV is below this…"),
    )  # fmt: skip
    psv_window_days = forms.IntegerField(
        required=False,
        label=_("…within this many days"),
        help_text=_("Give both the minimum and its window, or neither."),
    )
    combine = forms.ChoiceField(
        choices=[("any", _("Any condition holds")), ("all", _("All conditions hold"))],
        initial="any",
        label=_("The stage holds when"),
    )
    actions = forms.MultipleChoiceField(
        choices=POLICY_ACTIONS, required=False, widget=forms.CheckboxSelectMultiple, label=_("Actions")
    )
    email_subject = forms.CharField(max_length=300, required=False, label=_("E-mail subject"))
    email_body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("E-mail text"))


StageFormSet = forms.formset_factory(StageForm, extra=1, can_delete=True)


class PolicyJsonForm(forms.Form):
    document = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}), label=_("Policy (JSON)")
    )


class DayForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Day"))


class EmailTemplateForm(TranslatedForm):
    translated_fields = ("subject", "body")

    subject = forms.CharField(label=_("Subject"), max_length=EMAIL_SUBJECT_MAX)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=EMAIL_BODY_MAX,
        strip=False,
        help_text=_(
            "Plain text. Put a variable in with {{ name }}; {% if name %}…{% endif %} shows text only when "
            "the variable has a value."
        ),
    )


# ---------------------------------------------------------------------------------------------------- joining


class JoiningSettingsForm(forms.Form):
    enrolment_pack_required = forms.BooleanField(
        required=False,
        label=_("New distributors must buy an enrolment pack"),
        help_text=_("Off: no purchase necessary (packs are offered, not required). Packs are products marked as such."),
    )


class PolicyDocumentForm(TranslatedForm):
    translated_fields = ("title", "body")

    key = forms.SlugField(
        max_length=50,
        label=_("Short name"),
        help_text=_("Lowercase letters, digits and hyphens, e.g. terms or privacy. It never changes."),
    )
    title = forms.CharField(max_length=200, label=_("Title"))
    applies_to = forms.ChoiceField(choices=PolicyAudience.choices, label=_("Who accepts it"))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=100_000,
        label=_("Text"),
        help_text=_("Saving publishes a new version; earlier versions and who accepted them are kept."),
    )


class CustomDomainForm(forms.Form):
    domain = forms.CharField(
        max_length=253,
        label=_("Domain"),
        help_text=_("A domain of your own, such as shop.example.com."),
    )


class LanguagesForm(forms.Form):
    """The company's languages: any of the product's (settings.LANGUAGES), at least one, and which is the default."""

    languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        label=_("Enabled languages"),
        help_text=_("Members, customers and visitors may use these languages."),
    )
    default_language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        label=_("Default language"),
        help_text=_(
            "For visitors whose browser prefers none of the enabled languages, and for company texts not written in "
            "the reader's language."
        ),
    )
