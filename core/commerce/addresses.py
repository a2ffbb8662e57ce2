"""Postal addresses on an order: what a complete one holds and how it is checked, as pure functions (no ORM).

Countries are ISO 3166-1 alpha-2 codes from django-countries (its maintained list, names translated). The US and
Canada have a fixed list of states and provinces (their postal abbreviations), so a checkout offers them as a
select and refuses anything else; elsewhere the region is free text, bounded like every other line. Every field is
bounded to its column and refuses control characters (a NUL byte would be a database error, not a 400)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}  # fmt: skip
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
REGIONS = {"US": US_STATES, "CA": CA_PROVINCES}  # countries whose region is chosen from a list

# The column sizes of core.commerce.models.Order's ship_* / bill_* fields.
MAX_LENGTHS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "postal_code": 20, "region": 100, "country": 2}
REQUIRED = ("name", "line1", "city", "country")

FIELD_LABELS = {
    "name": gettext_lazy("Full name"),
    "line1": gettext_lazy("Street address"),
    "line2": gettext_lazy("Apartment, suite, etc."),
    "city": gettext_lazy("City"),
    "postal_code": gettext_lazy("Postal code"),
    "region": gettext_lazy("State, province or region"),
    "country": gettext_lazy("Country"),
}


@dataclass(frozen=True)
class Address:
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""

    def cleaned(self) -> Address:
        """Whitespace trimmed, the country and a listed region upper-cased."""
        values = {f.name: " ".join(str(getattr(self, f.name) or "").split()) for f in fields(self)}
        values["country"] = values["country"].upper()
        if values["country"] in REGIONS:
            values["region"] = values["region"].upper()
        return Address(**values)

    def as_fields(self, prefix: str) -> dict[str, str]:
        """The order's columns for this address: ``ship_line1``, ``bill_city``..."""
        return {f"{prefix}_{f.name}": getattr(self, f.name) for f in fields(self)}

    def lines(self) -> list[str]:
        """As printed on a label or confirmation."""
        place = " ".join(part for part in (self.city, self.region, self.postal_code) if part)
        country = countries.name(self.country) if self.country else ""
        return [line for line in (self.name, self.line1, self.line2, place, country) if line]


def region_name(country: str, region: str) -> str:
    return REGIONS.get(country, {}).get(region, region)


def address_errors(address: Address, *, prefix: str) -> dict[str, list[str]]:
    """What is wrong with a cleaned address, by field name ``<prefix>_<field>`` (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    for name, limit in MAX_LENGTHS.items():
        value = getattr(address, name)
        key = f"{prefix}_{name}"
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            errors[key] = [_("Remove the control characters from this field.")]
        elif len(value) > limit:
            counts = {"limit": limit, "count": len(value)}
            errors[key] = [_("Keep it to %(limit)d characters (it has %(count)d).") % counts]
        elif name in REQUIRED and not value:
            errors[key] = [_("This field is required.")]
    country_key = f"{prefix}_country"
    if address.country and country_key not in errors and address.country not in countries:
        errors[country_key] = [_("Choose a country from the list.")]
    listed = REGIONS.get(address.country)
    region_key = f"{prefix}_region"
    if listed is not None and region_key not in errors and address.region not in listed:
        errors[region_key] = [_("Choose a state or province from the list.")]
    return errors
