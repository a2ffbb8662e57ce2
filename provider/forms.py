from django import forms

from billing.models import PricePlan
from tenants.models import Company
from tenants.services import subdomain_problems


class OnboardCompanyForm(forms.ModelForm):
    """The provider console's onboarding form; the work is done by provider.services.company_onboard."""

    subdomain = forms.CharField(max_length=63)
    admin_email = forms.EmailField(label="First admin's e-mail")
    price_plan = forms.ModelChoiceField(queryset=PricePlan.objects.filter(is_active=True), required=False)

    class Meta:
        model = Company
        fields = ["name"]

    def clean_subdomain(self) -> str:
        value = self.cleaned_data["subdomain"]
        problems = subdomain_problems(value)
        if problems:
            raise forms.ValidationError(problems)
        return value
