"""Who am I, and API tokens (company domains and the platform domain alike: each schema has its own tokens).

Tokens are django-rest-knox's: only a digest is stored, each expires (REST_KNOX["TOKEN_TTL"]), the holder can list
and revoke their own, POST auth/logout/ revokes the one in use and a password change revokes them all."""

from allauth.account.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api.serializers import Input
from core.accounts.mfa import TWO_FACTOR_SETUP_NEEDED, two_factor_enabled, two_factor_setup_missing
from core.accounts.models import User
from core.accounts.selectors import api_tokens_list
from core.accounts.services import api_token_issue, api_tokens_revoke


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

    class InputSerializer(Input):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128)
        code = serializers.CharField(
            required=False,
            max_length=64,
            help_text="With two-factor sign-in on: the authenticator app's current code, or a recovery code.",
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")

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
            raise AuthenticationFailed(gettext("E-mail or password is wrong."))
        if two_factor_setup_missing(user=user):
            raise PermissionDenied(TWO_FACTOR_SETUP_NEEDED)
        if two_factor_enabled(user=user):
            code = AuthenticateForm(user=user, data={"code": data.validated_data.get("code", "")})
            if not code.is_valid():
                raise ValidationError({"code": list(code.errors.get("code", ["Enter the code."]))})
        instance, token = api_token_issue(user=user)
        return Response(self.OutputSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenOutput(serializers.Serializer):
    id = serializers.CharField(source="token_key", help_text="The token's first characters: its public id.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")

    def get_current(self, token) -> bool:
        return token.pk == self.context["current"]


def _current_digest(request) -> str | None:
    return getattr(request.auth, "pk", None)


class TokenListApi(APIView):
    """The signed-in user's live API tokens; DELETE revokes every one of them."""

    @extend_schema(responses=TokenOutput(many=True))
    def get(self, request):
        tokens = api_tokens_list(user=request.user)
        return Response(TokenOutput(tokens, many=True, context={"current": _current_digest(request)}).data)

    @extend_schema(operation_id="auth_tokens_revoke_all", request=None, responses={204: None})
    def delete(self, request):
        api_tokens_revoke(user=request.user)
        return Response(status=204)


class TokenDetailApi(APIView):
    """Revoke one of the signed-in user's tokens by its id (another user's id is simply not found)."""

    @extend_schema(operation_id="auth_token_revoke", request=None, responses={204: None})
    def delete(self, request, token_id: str):
        if not api_tokens_revoke(user=request.user, token_key=token_id):
            raise NotFound(gettext("You have no token with that id."))
        return Response(status=204)


class LogoutApi(APIView):
    """Revoke the token this request is made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token = request.auth
        if token is None or not hasattr(token, "token_key"):
            raise ValidationError({"token": [gettext("Log out with the token to revoke (Authorization: Token ...).")]})
        api_tokens_revoke(user=request.user, token_key=token.token_key)
        return Response(status=204)
