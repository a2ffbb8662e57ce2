"""What the compensation plan (plans/) and the demotion policy (core/demotion/) use from commerce: the one module they
import from core.commerce, so commerce may reorganise behind it.

* volume: orders paid in a window and what they add up to (VOLUME_STATUSES says which orders count), per member;
* the commission calendar: period_start_for / period_end_for, company_date (today in the company's time zone);
* period close and clawback: commission_period_close (later refunds of the period's orders raise a ClawbackFlag),
  clawback_flag_resolve;
* the console home's day summary (plans.selectors_day): sales_by_day / sales_totals (the reports' own figures),
  orders_waiting_counts, low_stock;
* the back-office fee's history (demotion) and the company's commerce settings;
* the models the plan engine's loader and run services query directly (Order, Party, RefundLine, ClawbackFlag,
  SubscriptionAttempt with AttemptOutcome, BackOfficeSubscription), read-only for them.
"""

from core.commerce.models import (
    VOLUME_STATUSES,
    AttemptOutcome,
    BackOfficeSubscription,
    ClawbackFlag,
    MemberVolume,
    Order,
    Party,
    Refund,
    RefundLine,
    SubscriptionAttempt,
)
from core.commerce.selectors.periods import company_date, period_end_for, period_start_for
from core.commerce.selectors.reports import orders_waiting_counts, sales_by_day, sales_totals
from core.commerce.selectors.stock import low_stock
from core.commerce.selectors.subscriptions import first_unpaid_failure_by_member, last_paid_subscription_by_member
from core.commerce.selectors.volume import (
    Volume,
    orders_for_commissions,
    psv_by_member_between,
    pv_by_member_between,
    volume_by_member,
    volumes_of,
    volumes_under,
    with_period_volume,
)
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.volume import clawback_flag_resolve, commission_period_close

__all__ = [
    "VOLUME_STATUSES",
    "AttemptOutcome",
    "BackOfficeSubscription",
    "ClawbackFlag",
    "MemberVolume",
    "Order",
    "Party",
    "Refund",
    "RefundLine",
    "SubscriptionAttempt",
    "Volume",
    "clawback_flag_resolve",
    "commerce_settings_get",
    "company_date",
    "commission_period_close",
    "company_date",
    "first_unpaid_failure_by_member",
    "last_paid_subscription_by_member",
    "low_stock",
    "orders_for_commissions",
    "orders_waiting_counts",
    "sales_by_day",
    "sales_totals",
    "period_end_for",
    "period_start_for",
    "psv_by_member_between",
    "pv_by_member_between",
    "volume_by_member",
    "volumes_of",
    "volumes_under",
    "with_period_volume",
]
