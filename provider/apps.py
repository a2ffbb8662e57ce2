from django.apps import AppConfig


class ProviderConfig(AppConfig):
    """The provider's use cases that span a company and its billing (onboarding a company on a price plan), with
    their entry points: the provider API, the admin's company pages and the `create_company` command. It sits above
    `tenants` (companies) and `billing` (their price plans), so neither of those imports the other's writes."""

    name = "provider"
    verbose_name = "Provider"
