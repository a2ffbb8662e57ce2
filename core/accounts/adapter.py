from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Open sign-up is closed: distributors join through a sponsor's replicated site, staff are invited."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def populate_username(self, request, user) -> None:
        user.username = user.email
