from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import Input
from core.company.models import CompanySettings
from core.company.services import EDITABLE_FIELDS, company_settings_get, company_settings_update


class CompanySettingsApi(APIView):
    """The company's own settings: any signed-in user reads them, admins change them."""

    permission_classes = [HasCapability("company.settings.write")]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = CompanySettings
            fields = ["display_name", *[f for f in EDITABLE_FIELDS if f != "display_name"], "updated_at"]

    class InputSerializer(Input, serializers.ModelSerializer):
        class Meta:
            model = CompanySettings
            fields = list(EDITABLE_FIELDS)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(company_settings_get()).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(company_settings_get(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(self.OutputSerializer(company_settings_update(changes=data.validated_data)).data)
