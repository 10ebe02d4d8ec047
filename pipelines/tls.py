"""Whether a lead's https certificate verifies, checked when its page is captured.

Scrapy fetches https pages without verifying certificates: a seller whose certificate is
expired, self-made or for another name is exactly one a regulator wants the evidence of, so
the page is read and kept like any other. Its response carries the server's certificate but
not the chain it sent nor the connection's protocol and cipher, so the capture asks again:
one TLS handshake (no HTTP request) to the address the page came from, with the name it was
asked by, verified as an ordinary client verifies (the system's trusted roots, the host
name, the validity period at that moment). When the server presents the certificate Scrapy
saw (same SHA-256), the capture's ``tls`` says ``verified`` ``yes`` or ``no`` (with OpenSSL's
reason in ``verify_error``), the ``protocol`` and ``cipher`` of that handshake and when it was
made (``checked_at``); when it presents another one, or cannot be reached, ``verified`` is
``unknown`` and ``verify_error`` says why.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from rules import clock

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Handshake:
    sha256: str  # of the server's certificate (DER)
    protocol: str  # TLSv1.3
    cipher: str  # as OpenSSL names it: TLS_AES_256_GCM_SHA384, ECDHE-RSA-AES128-GCM-SHA256


def check(
    url: str,
    ip: str | None,
    seen_sha256: str,
    proxy: str | None = None,
    timeout: float = TIMEOUT_S,
) -> dict[str, str]:
    """What verifying the server of ``url`` (at ``ip`` when known, else by its name; through
    an http ``proxy`` when given) found, as ``tls`` fields (strings)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    checked = {"checked_at": clock.now().isoformat(timespec="seconds")}
    try:
        shake, verified = _handshake(host, port, ip, proxy, timeout, verify=True), "yes"
        error = None
    except ssl.SSLCertVerificationError as exc:
        verified, error = "no", exc.verify_message or str(exc)
        try:
            shake = _handshake(host, port, ip, proxy, timeout, verify=False)
        except (OSError, ValueError) as again:
            return {**checked, "verified": "unknown", "verify_error": _unreached(again)}
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        return {**checked, "verified": "unknown", "verify_error": _unreached(exc)}
    if shake.sha256 != seen_sha256:
        return {
            **checked,
            "verified": "unknown",
            "verify_error": (
                f"再次连接时服务器出示了另一张证书（SHA-256 {shake.sha256}），未能核验原证书"
            ),
        }
    out = {**checked, "verified": verified, "protocol": shake.protocol, "cipher": shake.cipher}
    if error:
        out["verify_error"] = error
    return out


def _unreached(exc: BaseException) -> str:
    return f"未能再次连接服务器核验证书：{type(exc).__name__}: {exc}"


def _handshake(
    host: str, port: int, ip: str | None, proxy: str | None, timeout: float, verify: bool
) -> Handshake:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    raw = _tunnel(proxy, host, port, timeout) if proxy else _connect(ip or host, port, timeout)
    with raw, context.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True) or b""
        cipher = tls.cipher()
        return Handshake(
            hashlib.sha256(der).hexdigest(), tls.version() or "", cipher[0] if cipher else ""
        )


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((address, port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def _tunnel(proxy: str, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP stream to ``host:port`` through an http proxy (CONNECT), as Scrapy's was."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http":
        raise ValueError(f"不经 {parts.scheme} 代理核验证书")
    sock = _connect(parts.hostname or "", parts.port or 8080, timeout)
    lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}"]
    if parts.username is not None:
        user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(user.encode()).decode()}")
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk or len(answer) > 65536:
                raise ConnectionError("the proxy closed the tunnel")
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].decode("latin-1")
        if status.split(" ")[1:2] != ["200"]:
            raise ConnectionError(f"the proxy answered {status}")
    except BaseException:
        sock.close()
        raise
    return sock
