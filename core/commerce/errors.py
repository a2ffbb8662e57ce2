"""Commerce errors the web layer maps to a status of its own."""

from config.errors import ConflictError


class PaymentInProgress(ConflictError):
    """A second pay of an order (or fee) already paid or with a charge in flight: the API answers 409."""
