"""The exchange behind a response, as evidence keeps it (``rules.items.Served``).

The request line and headers Scrapy sent, the status, protocol and headers of the answer,
the body bytes as served, the server's IP address and, for https, the certificate's subject,
issuer and validity. A page re-fetched through Chromium keeps the exchange of its plain
fetch: the bytes the platform served, not the DOM a script made of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response

from rules.items import Served

#: Request meta of a render: the exchange of the plain fetch it re-reads.
SERVED = "wangjian_served"


def _headers(headers: Any) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


def _asn1_time(value: bytes | None) -> str | None:
    """A certificate time (20261203120000Z) in ISO 8601, UTC."""
    if not value:
        return None
    text = value.decode("ascii")
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return text  # another ASN.1 form: kept as the certificate says it


def _tls(certificate: Any) -> dict[str, str] | None:
    if certificate is None:
        return None
    try:
        x509 = certificate.original
        name = lambda n: ", ".join(  # noqa: E731
            f"{k.decode()}={v.decode('utf-8', 'replace')}" for k, v in n.get_components()
        )
        return {
            "subject": name(x509.get_subject()),
            "issuer": name(x509.get_issuer()),
            "not_before": _asn1_time(x509.get_notBefore()),
            "not_after": _asn1_time(x509.get_notAfter()),
            "serial": format(x509.get_serial_number(), "x"),
        }
    except Exception as exc:  # noqa: BLE001 - a certificate we cannot read is said so
        return {"error": f"certificate not readable: {exc}"}


def served_of(response: Response) -> Served | None:
    """The exchange behind ``response``; a render's is its plain fetch's (None if unknown)."""
    if "playwright" in response.flags:
        return response.meta.get(SERVED)
    request = response.request
    ip = getattr(response, "ip_address", None)
    return Served(
        url=response.url,
        method=request.method if request is not None else "GET",
        request_headers=_headers(request.headers) if request is not None else [],
        status=response.status,
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        response_headers=_headers(response.headers),
        body=response.body,
        ip=str(ip) if ip is not None else None,
        tls=_tls(getattr(response, "certificate", None)),
    )
