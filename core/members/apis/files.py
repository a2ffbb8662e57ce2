"""Members and customers in and out as CSV: the import (checked whole before anything is written) and the export."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability, IsCompanyAdmin
from config.api.serializers import Input
from core.members.importing.common import ImportRejected
from core.members.importing.customers import customers_import
from core.members.importing.export import customers_export_rows, members_export_rows, rows_to_csv
from core.members.importing.members import members_import


class ImportApi(APIView):
    """Upload a members or customers CSV: all rows are written or none; a rejected file answers with every
    problem's line, column and reason."""

    permission_classes = [HasCapability("members.import")]

    class InputSerializer(Input):
        kind = serializers.ChoiceField(choices=["members", "customers"])
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        rows = serializers.IntegerField()
        created = serializers.IntegerField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        importer = members_import if data.validated_data["kind"] == "members" else customers_import
        text = io.TextIOWrapper(data.validated_data["file"].file, encoding="utf-8-sig", newline="")
        try:
            report = importer(text=text)
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
        return Response({"rows": report.rows, "created": report.created}, status=status.HTTP_201_CREATED)


class ExportApi(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(
        parameters=[OpenApiParameter("kind", enum=["members", "customers"])], responses={(200, "text/csv"): str}
    )
    def get(self, request):
        """The whole list as CSV, streamed, in the import's own format."""
        kind = request.query_params.get("kind", "members")
        if kind not in ("members", "customers"):
            raise ValidationError({"kind": [gettext("Choose members or customers.")]})
        rows = members_export_rows() if kind == "members" else customers_export_rows()
        response = StreamingHttpResponse(rows_to_csv(rows), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
        return response
