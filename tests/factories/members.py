"""Member factories: distributors enrolled under a sponsor, customers of a distributor, and logins per role.

``MemberFactory(sponsor=None)`` is the company's root (a company has one); everyone else names a sponsor:
``MemberFactory(sponsor=root, username="ann", first_name="Ann")``. The e-mail follows the username
(``ann@example.test``) and every login's password is ``conftest.PASSWORD``, so ``signed_in`` and token tests can use it.
"""

from __future__ import annotations

import factory

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.members.models import Customer, CustomerType, Member, MemberStatus
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_enroll


class MemberFactory(factory.Factory):
    """A distributor placed by the company's rule (or ``placement=Placement(...)``), with a login."""

    class Meta:
        model = Member

    sponsor = None
    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda member: f"{member.username}@example.test")
    first_name = "First"
    last_name = factory.Sequence(lambda n: f"Last{n}")
    password = PASSWORD
    phone = ""
    country = ""
    placement = None
    binary_preferred_side = None
    joined_at = None
    status = MemberStatus.ACTIVE

    @classmethod
    def _create(cls, model_class, **kwargs) -> Member:
        return member_enroll(**kwargs)


class CustomerFactory(factory.Factory):
    """A retail customer of ``distributor`` (required: a customer always belongs to one), with a login."""

    class Meta:
        model = Customer

    distributor = None
    email = factory.Sequence(lambda n: f"customer{n}@example.test")
    first_name = "Cust"
    last_name = factory.Sequence(lambda n: f"Omer{n}")
    customer_type = CustomerType.RETAIL
    password = PASSWORD
    phone = ""
    country = ""
    joined_at = None
    with_login = True

    @classmethod
    def _create(cls, model_class, **kwargs) -> Customer:
        return customer_create(**kwargs)


class UserFactory(factory.Factory):
    """A login with a role and no member or customer behind it (a distributor's or customer's login comes with
    ``MemberFactory`` / ``CustomerFactory``). Per role: ``CompanyAdminFactory``, ``CompanyStaffFactory``,
    ``ProviderStaffFactory`` (the last in the public schema)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    role = Role.COMPANY_STAFF
    password = PASSWORD
    first_name = ""
    last_name = ""
    is_staff = False

    @classmethod
    def _create(cls, model_class, **kwargs) -> User:
        return user_create(**kwargs)


class CompanyAdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.test")
    role = Role.COMPANY_ADMIN


class CompanyStaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    role = Role.COMPANY_STAFF


class ProviderStaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@provider.test")
    role = Role.PROVIDER_STAFF
    is_staff = True
