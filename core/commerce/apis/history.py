"""Company admin's upload of a historic orders CSV (a company migrating from another system), and its download of
every order in the same format."""

from __future__ import annotations

import io

from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability, IsCompanyAdmin
from config.api.serializers import Input
from config.tenancy import current_schema
from core.commerce.selectors.history import orders_history_export_rows
from core.commerce.services.history import orders_history_import
from core.members.importing.common import ImportRejected


class OrderHistoryImportApi(APIView):
    """Upload the old system's orders: every new order is written or none is; a rejected file answers 400 with
    every problem's line, column and reason. Orders imported before (same order_ref) are skipped."""

    permission_classes = [HasCapability("orders.import")]

    class InputSerializer(Input):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        rows = serializers.IntegerField(help_text="Data rows (order lines) in the file.")
        created = serializers.IntegerField(help_text="Rows written as lines of new orders.")
        skipped = serializers.IntegerField(help_text="Rows of orders imported before, left as they were.")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = io.TextIOWrapper(data.validated_data["file"].file, encoding="utf-8-sig", newline="")
        try:
            report = orders_history_import(text=text)
        except ImportRejected as rejected:
            return Response(
                {
                    "detail": gettext("%(error_count)s problem(s); nothing was imported.")
                    % {"error_count": rejected.report.error_count},
                    "errors": [
                        {"line": e.line, "column": e.column, "reason": e.reason} for e in rejected.report.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except UnicodeDecodeError:
            return Response(
                {
                    "detail": gettext("The file is not UTF-8 text; nothing was imported."),
                    "errors": [{"line": 0, "column": "file", "reason": "not UTF-8 text"}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)


class OrderHistoryExportApi(APIView):
    """Download every paid order as the history import's CSV (one row per order line), streamed: a company with
    years of orders gets its file without the server holding it in memory."""

    permission_classes = [IsCompanyAdmin]

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV.")})
    def get(self, request):
        response = StreamingHttpResponse(_in_schema(current_schema()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="order-history.csv"'
        return response


def _in_schema(schema: str):
    """The rows are read while the response is sent, after the view returned: keep the request's company."""
    with schema_context(schema):
        yield from orders_history_export_rows()
