"""Company admin's upload of a historic orders CSV (a company migrating from another system)."""

from __future__ import annotations

import io

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import IsCompanyAdmin
from core.commerce.history_import import orders_history_import
from core.members.importing import ImportRejected


class OrderHistoryImportApi(APIView):
    """Upload the old system's orders: every new order is written or none is; a rejected file answers 400 with
    every problem's line, column and reason. Orders imported before (same order_ref) are skipped."""

    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
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
                    "detail": f"{rejected.report.error_count} problem(s); nothing was imported.",
                    "errors": [
                        {"line": e.line, "column": e.column, "reason": e.reason} for e in rejected.report.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except UnicodeDecodeError:
            return Response(
                {
                    "detail": "The file is not UTF-8 text; nothing was imported.",
                    "errors": [{"line": 0, "column": "file", "reason": "not UTF-8 text"}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)
