"""Where students on the lecture hall's network reach this server, and its QR code.

``gdviz serve --host 0.0.0.0`` listens on every interface; the address to give the class
is the one this machine uses on the network — found by asking the kernel which local
address a UDP socket *would* use towards a private address (nothing is sent). With no
route at all (a laptop offline), the machine's name is looked up instead. QR codes are
made here by ``segno`` (pure Python), never by a web service.
"""

from __future__ import annotations

import ipaddress
import socket

ALL_INTERFACES = ("0.0.0.0", "::", "")
# Where a UDP socket is "connected" to learn the outgoing address (no packet is sent):
# private ranges a lecture-hall network routes, then a documentation address (default route).
_PROBES = ("10.255.255.255", "172.31.255.255", "192.168.255.255", "192.0.2.1")
QR_MAX_CHARS = 2000  # a link longer than this makes a code too dense to scan off a projector


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def lan_address() -> str | None:
    """This machine's IPv4 address on its network (not loopback), or None if it has none."""
    for probe in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                ip = s.getsockname()[0]
        except OSError:
            continue
        if ip and not ipaddress.ip_address(ip).is_loopback and ip != "0.0.0.0":
            return ip
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_, addr in infos:
        if not ipaddress.ip_address(addr[0]).is_loopback:
            return addr[0]
    return None


def class_host(bound: str) -> str | None:
    """The host students type for a server bound to ``bound``: the LAN address for all
    interfaces, the address itself for one interface, None for loopback only."""
    if bound in ALL_INTERFACES:
        return lan_address()
    if is_loopback(bound):
        return None
    return bound


def announcement(bound: str, port: int) -> str:
    """What ``gdviz serve`` prints for the class: the address and QR code students on this
    network open, or why there is none ("" when the server listens on loopback only)."""
    if is_loopback(bound):
        return ""
    host = class_host(bound)
    if host is None:
        return ("gdviz: this computer has no network address now: students on another device "
                "cannot reach it (connect to the lecture hall's network, then restart)\n")
    url = url_of(host, port)
    return f"gdviz: students on this network open {url} — or scan:\n{qr_terminal(url)}"


def url_of(host: str, port: int, path: str = "/") -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (black on white, a 4-module quiet zone)."""
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=1, border=4)


def qr_terminal(text: str) -> str:
    """A QR code of ``text`` drawn with half blocks and its quiet zone, for a terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="m", micro=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()
