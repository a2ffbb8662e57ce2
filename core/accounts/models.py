"""Login accounts. The table exists in the public schema (provider staff) and in every company's schema (that
company's admins, staff and distributors), so the same e-mail address can belong to unrelated users in two companies.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    PROVIDER_STAFF = "provider_staff", gettext_lazy("Provider staff")
    COMPANY_ADMIN = "company_admin", gettext_lazy("Company admin")
    COMPANY_STAFF = "company_staff", gettext_lazy("Company staff")
    DISTRIBUTOR = "distributor", gettext_lazy("Distributor")
    CUSTOMER = "customer", gettext_lazy("Customer")


class AccountManager(UserManager):
    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.PROVIDER_STAFF)
        return super().create_superuser(username or email, email, password, **extra_fields)


class User(AbstractUser):
    """One login. `username` mirrors the e-mail for Django's admin; people sign in with their e-mail."""

    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.DISTRIBUTOR)
    # The person's language (a code from settings.LANGUAGES): pages and e-mails to them; empty: the browser's choice
    # among the company's languages, else the company's default (issue 19).
    language = models.CharField(max_length=10, blank=True, default="", db_default="")  # bulk imports COPY users

    objects = AccountManager()

    REQUIRED_FIELDS = ["email"]

    @property
    def is_company_admin(self) -> bool:
        return self.role == Role.COMPANY_ADMIN

    @property
    def is_company_staff(self) -> bool:
        return self.role in (Role.COMPANY_ADMIN, Role.COMPANY_STAFF)

    def __str__(self) -> str:
        return self.email


class LoginDay(models.Model):
    """A day (UTC, the billing time zone) on which a user signed in: billing counts the members who logged in during
    a month from these rows (User.last_login keeps only the latest login)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_days")
    day = models.DateField()

    class Meta:
        ordering = ["user", "day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="login_day_once")]
        indexes = [models.Index(fields=["day"], name="login_day_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"
