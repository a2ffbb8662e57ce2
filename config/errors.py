"""Errors a service may raise that mean more than "bad input", so every entry point can answer them alike without
knowing the app that raised them (a kernel module: any layer may import it)."""

from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """The request is valid but clashes with the object's state (paid already, a charge in flight): HTTP 409."""
