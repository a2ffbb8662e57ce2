"""Where a webhook may be sent: the guard against server-side request forgery (SSRF).

A company admin chooses the URL, so a URL could aim our workers at the cloud metadata service, at our own database
or at anything else on the private network. The guard, applied at registration and again at every delivery:

1. By name: hosts that are loopback or metadata by definition (``localhost``, ``*.localhost``, ``*.internal`` such as
   ``metadata.google.internal``) and wildcard-DNS services that answer with an address written into the name
   (``127.0.0.1.nip.io``, ``*.localtest.me``, ``*.lvh.me`` ...) are refused without asking DNS.
2. By address: the host is resolved and EVERY address it resolves to must be public — not private, loopback,
   link-local (169.254.169.254, the metadata service, is link-local), multicast, reserved, unspecified, shared
   (100.64/10) or a known metadata address. One bad address refuses the whole name.
3. The connection is pinned to the address that was checked (no second DNS lookup a rebinding attacker could answer
   differently), no proxy from the environment is used, and redirects are not followed.

``WEBHOOKS_ALLOW_INSECURE_URLS`` (development and tests only) lets plain http, loopback and private addresses
through; metadata and link-local addresses, multicast and reserved ranges stay refused even then.

DNS is asked through ``WEBHOOKS_DNS_RESOLVER`` (a dotted path to ``(host, port) -> list of addresses``), so tests can
answer as a hostile DNS server would without outside network.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import urllib.request
from dataclasses import dataclass
from typing import Literal, overload
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

NOT_PUBLIC = gettext_noop("Webhook URLs must point to a public host.")  # translated where it is shown
LOOPBACK_NAMES = re.compile(r"(^|\.)(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$")
# Reserved for private use (ICANN, 2024): Google's and others' metadata services live here.
INTERNAL_NAMES = re.compile(r"(^|\.)(internal|local|localdomain|home\.arpa|intranet|lan)$|^metadata$")
# Wildcard DNS services that resolve a name to an address written into it, or always to loopback.
WILDCARD_DNS = re.compile(
    r"(^|\.)(nip\.io|sslip\.io|xip\.io|nip\.direct|localtest\.me|lvh\.me|vcap\.me|lacolhost\.com|fuf\.me"
    r"|localhost\.run|readme\.localtest\.me|1u\.ms)$"
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class RefusedDestination(Exception):
    """The URL's host is, or resolves to, an address webhooks must never reach."""


def system_resolver(host: str, port: int) -> list[str]:
    addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    # IPv4 first: the connection goes to the first address, and IPv6 routes are the likelier to be missing.
    return sorted(addresses, key=lambda a: (":" in a, a))


def _resolve(host: str, port: int) -> list[str]:
    return import_string(settings.WEBHOOKS_DNS_RESOLVER)(host, port)


def address_problem(address: str) -> str:
    """Why this address is refused ("" when it may be reached)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    always = ip in METADATA_ADDRESSES or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    if always:
        return f"{address} is a link-local, metadata, multicast or reserved address."
    if settings.WEBHOOKS_ALLOW_INSECURE_URLS:
        return ""
    if not ip.is_global:
        return f"{address} is not a public address."
    return ""


def name_problem(host: str) -> str:
    """Why this host name is refused without resolving it ("" when DNS decides)."""
    name = host.rstrip(".").lower()
    if INTERNAL_NAMES.search(name) or WILDCARD_DNS.search(name):
        return f"{host} is an internal or wildcard-DNS name."
    if LOOPBACK_NAMES.search(name) and not settings.WEBHOOKS_ALLOW_INSECURE_URLS:
        return f"{host} is a loopback name."
    return ""


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    address: str  # the checked address the connection is pinned to


@overload
def destination_check(url: str, *, must_resolve: Literal[True]) -> Destination: ...
@overload
def destination_check(url: str, *, must_resolve: Literal[False]) -> Destination | None: ...
def destination_check(url: str, *, must_resolve: bool) -> Destination | None:
    """The checked destination of ``url``, or RefusedDestination. ``must_resolve`` False (registration): a name that
    does not resolve now is accepted and checked again at every delivery."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if problem := name_problem(host):
        raise RefusedDestination(problem)
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError) as exc:
        if must_resolve:
            raise RefusedDestination(f"{host} does not resolve ({exc}).") from None
        return None
    if not addresses:
        raise RefusedDestination(f"{host} does not resolve.")
    problems = [p for p in map(address_problem, addresses) if p]
    if problems:
        raise RefusedDestination(f"{host} resolves to a refused address: {problems[0]}")
    return Destination(host=host, port=port, address=addresses[0])


# ---------------------------------------------------------------------------------------------------- connection


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new destination: following it could reach a host the check refused."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _pinned(connection_class, address: str):
    """``connection_class`` connecting to ``address`` whatever the host name says; TLS still checks the certificate
    (and sends SNI) for the host name, because only the TCP connect is redirected."""

    class Pinned(connection_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = lambda addr, timeout, source: socket.create_connection(
                (address, addr[1]), timeout, source
            )

    return Pinned


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def https_open(self, req):
        return self.do_open(_pinned(http.client.HTTPSConnection, self.address), req, context=self._context)


def pinned_opener(destination: Destination) -> urllib.request.OpenerDirector:
    """An opener that reaches only ``destination.address``: no environment proxy, no redirects."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirect,
        _PinnedHTTPHandler(destination.address),
        _PinnedHTTPSHandler(destination.address),
    )
