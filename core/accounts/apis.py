"""Who am I, and API tokens (company domains and the platform domain alike: each schema has its own tokens)."""

from allauth.account.adapter import get_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.accounts.models import User


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role"]


class MeApi(APIView):
    @extend_schema(responses=UserOutput)
    def get(self, request):
        return Response(UserOutput(request.user).data)


class TokenApi(APIView):
    """Exchange e-mail and password for this company's API token. Failed attempts count against the same per-account
    and per-IP lockout as the sign-in page (allauth's ``login_failed`` limit), so the API is no way around it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    def get_authenticate_header(self, request) -> str:
        return "Token"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = get_adapter(request._request).authenticate(
                request._request, email=data.validated_data["email"], password=data.validated_data["password"]
            )
        except DjangoValidationError as too_many:
            raise Throttled(detail=" ".join(too_many.messages)) from None
        if user is None or not user.is_active:
            raise AuthenticationFailed("E-mail or password is wrong.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
