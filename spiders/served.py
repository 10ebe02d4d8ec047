"""The exchange behind a response, as evidence keeps it (``rules.items.Served``).

The request line and headers Scrapy sent, the status, protocol and headers of the answer,
the body bytes as served, the server's IP address and, for https, what the server's
certificate says (``tls``): subject and issuer (RFC 4514), validity (ISO 8601, UTC), serial,
SHA-256 fingerprint and subject alternative names. Scrapy fetches without verifying
certificates, so a page behind a bad one is read like any other; whether the certificate
verifies is checked when a lead's page is captured (``pipelines.tls``).

A page re-fetched through Chromium keeps the exchange of its plain fetch: the bytes the
platform served, not the DOM a script made of them, and the certificate Scrapy saw (Chromium
reports none for a document our charset route fulfils, ``crawler.encoding``).
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
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


def _alt_names(cert: x509.Certificate) -> str | None:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    dns = [f"DNS:{n}" for n in names.get_values_for_type(x509.DNSName)]
    ips = [f"IP:{n}" for n in names.get_values_for_type(x509.IPAddress)]
    return ", ".join(dns + ips) or None


def certificate_fields(cert: x509.Certificate) -> dict[str, str]:
    """What evidence keeps of a server certificate."""
    fields = {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "serial": format(cert.serial_number, "x"),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }
    alt = _alt_names(cert)
    if alt:
        fields["subject_alt_names"] = alt
    return fields


def _tls(certificate: Any) -> dict[str, str] | None:
    """``certificate``: the ``twisted.internet.ssl.Certificate`` Scrapy's response carries."""
    if certificate is None:
        return None
    try:
        return certificate_fields(certificate.original.to_cryptography())
    except Exception as exc:  # noqa: BLE001 - a certificate we cannot read is said so
        return {"error": f"certificate not readable: {exc}"}


def served_of(response: Response) -> Served | None:
    """The exchange behind ``response``; a render's is its plain fetch's (None if unknown)."""
    if "playwright" in response.flags:
        return response.meta.get(SERVED)
    request = response.request
    ip = getattr(response, "ip_address", None)
    # Through a proxy Scrapy's connection, and so its peer address, is the proxy's: the
    # server's own address is not known, and the proxy's is not evidence of the server.
    if request is not None and request.meta.get("proxy"):
        ip = None
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
