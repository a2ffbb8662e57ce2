from allauth.account.adapter import DefaultAccountAdapter

from core.accounts.services import api_tokens_revoke


class AccountAdapter(DefaultAccountAdapter):
    """Open sign-up is closed: distributors join through a sponsor's replicated site, staff are invited."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def populate_username(self, request, user) -> None:
        user.username = user.email

    def set_password(self, user, password) -> None:
        """Every password change or reset through allauth (the change form, the reset link, an invitation) revokes
        the user's API tokens: whoever held a token obtained with the old password loses it."""
        super().set_password(user, password)
        api_tokens_revoke(user=user)
