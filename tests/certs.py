"""Certificates made for a test (trustme): a CA of its own and a server certificate it issued,
as ``tests.sites.Site(routes, tls=issued.context)`` serves them over https.

``issued.certificate`` is the server's certificate as ``cryptography`` reads it (what the
evidence should say), ``issued.ca_file`` the CA in PEM: a client given it
(``SSL_CERT_FILE``) verifies the server, one without it does not.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509


@dataclass(frozen=True)
class Issued:
    context: ssl.SSLContext  # server side, to hand to Site
    certificate: x509.Certificate
    ca_file: Path


def issue(
    folder: Path,
    *hosts: str,
    common_name: str | None = None,
    organization: str | None = None,
    ca_organization: str = "网监测试 CA",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Issued:
    """A new CA and a certificate it issued for ``hosts`` (names or IP addresses)."""
    import trustme

    ca = trustme.CA(organization_name=ca_organization)
    leaf = ca.issue_cert(
        *hosts,
        common_name=common_name,
        organization_name=organization,
        not_before=not_before,
        not_after=not_after,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    certificate = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    return Issued(context, certificate, ca_file)
