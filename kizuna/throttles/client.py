"""The client's address as the throttles and the sign-in lockout count it.

Behind a reverse proxy every request comes from the proxy's address. The proxy names the
client in X-Forwarded-For, but any client can send that header too, so it is believed only
hop by hop from the right: while the address at hand is one of KIZUNA_TRUSTED_PROXIES, the
next address to its left is taken; the first address that is not a trusted proxy is the
client. With no trusted proxies (the default) the header is ignored and REMOTE_ADDR counts.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket appears as ::ffff:192.0.2.1.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that made `request` (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    address = _parse(remote)
    networks = _networks(tuple(settings.KIZUNA_TRUSTED_PROXIES))
    if not networks or not _trusted(address, networks):
        return str(address) if address is not None else remote[:64]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    hops = [hop for hop in forwarded.split(",") if hop.strip()][-32:]
    while hops and _trusted(address, networks):
        hop = _parse(hops.pop())
        if hop is None:
            # A hop no proxy would write: the header was made up beyond this point.
            break
        address = hop
    return str(address)
