from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.models import PricePlan
from provider.services import company_onboard


class Command(BaseCommand):
    help = "Onboard a company: its schema, domain, default settings and first admin (invited by e-mail)."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--name", required=True, help="The company's display name.")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-first-name", default="")
        parser.add_argument("--admin-last-name", default="")
        parser.add_argument("--price-plan", default=None, help="Code of the provider's price plan.")
        parser.add_argument("--no-invitation", action="store_true", help="Don't e-mail the invitation link.")

    def handle(self, *args, **opts):
        price_plan = None
        if opts["price_plan"]:
            price_plan = PricePlan.objects.filter(code=opts["price_plan"]).first()
            if price_plan is None:
                raise CommandError(f"price-plan: no price plan with code {opts['price_plan']!r}.")
        try:
            result = company_onboard(
                name=opts["name"],
                subdomain=opts["subdomain"],
                admin_email=opts["admin_email"],
                admin_first_name=opts["admin_first_name"],
                admin_last_name=opts["admin_last_name"],
                price_plan=price_plan,
                send_invitation=not opts["no_invitation"],
            )
        except ValidationError as exc:
            lines = [f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages]
            raise CommandError("Company not created:\n  " + "\n  ".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {result.company.name} at {result.domain.domain}"))
        self.stdout.write(f"Admin {result.admin.email} sets a password at: {result.invitation_url}")
