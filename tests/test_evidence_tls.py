"""Evidence of https pages, through the real parts: `wangjian scan --keep` of a lead served
by a real https server on 127.0.0.1 (a certificate made for the test, ``tests.certs``) keeps,
in the capture's manifest and its WARC, the server's IP address and what its certificate says
(subject, issuer, validity, serial, fingerprint, names), whether it verified, and the
connection's protocol and cipher. A certificate no trusted root issued is still read (and
rendered by Chromium), its capture saying it did not verify and why; trusted (the CA given as
``SSL_CERT_FILE``), it says it did. A page rendered through Chromium (`scan --render`) keeps
the exchange of its plain fetch, certificate included.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from certs import Issued, issue
from sites import Answer, Site
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wangjian_process import wangjian, wangjian_json
from warcio.archiveiterator import ArchiveIterator

pytest.importorskip("trustme")

from cryptography.hazmat.primitives import hashes  # noqa: E402
from scrapy import Request  # noqa: E402
from scrapy.http import HtmlResponse  # noqa: E402

from pipelines import tls  # noqa: E402
from spiders.served import served_of  # noqa: E402
from store.db import make_engine, session_scope  # noqa: E402
from store.models import Capture  # noqa: E402

PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>老象牙手镯 实心 收藏</title></head>"
    "<body><h1>老象牙手镯 实心 收藏</h1><p>包浆自然，支持鉴定</p></body></html>"
).encode()
# The violating words only once a script ran: the lead is found on the rendered page.
SCRIPTED = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>手镯</title></head><body><h1></h1>"
    "<script>const t = '\\u7a7f\\u5c71\\u7532\\u7247 \\u5165\\u836f \\u6b63\\u54c1';"
    "document.title = t; document.querySelector('h1').textContent = t;</script>"
    "</body></html>"
).encode()


def sha256_of(issued: Issued) -> str:
    return issued.certificate.fingerprint(hashes.SHA256()).hex()


def kept(data: Path) -> tuple[dict, Capture, dict[str, Path]]:
    """The one capture of the scan's database: its manifest, row and files by role."""
    engine = make_engine(f"sqlite:///{data / 'wangjian.db'}", create=False)
    try:
        with session_scope(engine, read_only=True) as s:
            (capture,) = s.scalars(select(Capture).options(selectinload(Capture.files))).all()
            files = {f.role: data / f.path for f in capture.files}
            s.expunge(capture)
    finally:
        engine.dispose()
    manifest_path = data / capture.manifest_path
    assert hashlib.sha256(manifest_path.read_bytes()).hexdigest() == capture.manifest_sha256
    return json.loads(manifest_path.read_bytes()), capture, files


def records(warc: Path) -> list[tuple[str, object, bytes]]:
    with warc.open("rb") as stream:
        return [
            (r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(stream)
        ]


@pytest.fixture(scope="module")
def trusted(tmp_path_factory):
    """A plain `scan --keep` of a lead whose certificate verifies (its CA given)."""
    folder = tmp_path_factory.mktemp("tls-trusted")
    issued = issue(
        folder / "certs",
        "127.0.0.1",
        "shop.test",
        common_name="shop.test",
        organization="测试商城",
    )
    data = folder / "data"
    env = {
        "WANGJIAN_DATA_DIR": str(data),
        "WANGJIAN_CAPTURE": "true",
        "SSL_CERT_FILE": str(issued.ca_file),
    }
    with Site({"/item/1": lambda q, h: Answer(body=PAGE)}, tls=issued.context) as site:
        assert site.url.startswith("https://")
        report = wangjian_json("scan", f"{site.url}/item/1", "--keep", code=0, **env)
    return report, issued, data, *kept(data)


@pytest.fixture(scope="module")
def untrusted_rendered(tmp_path_factory):
    """A `scan --render --keep` of a lead whose certificate no trusted root issued."""
    folder = tmp_path_factory.mktemp("tls-untrusted")
    issued = issue(
        folder / "certs",
        "127.0.0.1",
        common_name="fake-shop.test",
        organization="某某商行",
        ca_organization="无名 CA",
    )
    data = folder / "data"
    env = {"WANGJIAN_DATA_DIR": str(data), "WANGJIAN_CAPTURE": "true"}
    with Site({"/item/2": lambda q, h: Answer(body=SCRIPTED)}, tls=issued.context) as site:
        report = wangjian_json("scan", f"{site.url}/item/2", "--render", "--keep", code=0, **env)
        agents = [s.headers.get("user-agent", "") for s in site.seen if s.path == "/item/2"]
    return report, issued, agents, *kept(data)


def test_the_manifest_holds_the_certificate_the_ip_and_the_connection(trusted):
    report, issued, _, manifest, capture, _ = trusted
    cert = issued.certificate
    assert report["results"][0]["verdict"]["lead"]
    assert manifest["url"].startswith("https://127.0.0.1:")
    response = manifest["response"]
    assert response["ip"] == "127.0.0.1"
    got = response["tls"]
    assert got["subject"] == cert.subject.rfc4514_string()
    assert "CN=shop.test" in got["subject"] and "O=测试商城" in got["subject"]
    assert got["issuer"] == cert.issuer.rfc4514_string() and "O=网监测试 CA" in got["issuer"]
    assert got["not_before"] == cert.not_valid_before_utc.isoformat()
    assert got["not_after"] == cert.not_valid_after_utc.isoformat()
    assert datetime.fromisoformat(got["not_after"]).tzinfo is not None
    assert int(got["serial"], 16) == cert.serial_number
    assert got["sha256"] == sha256_of(issued)
    assert got["subject_alt_names"] == "DNS:shop.test, IP:127.0.0.1"
    assert (got["verified"], got.get("verify_error")) == ("yes", None)
    assert got["protocol"] == "TLSv1.3" and got["cipher"].startswith("TLS_")
    at = (
        capture.captured_at
        if capture.captured_at.tzinfo
        else capture.captured_at.replace(tzinfo=UTC)
    )
    assert abs(datetime.fromisoformat(got["checked_at"]) - at) < timedelta(minutes=1)


def test_the_warc_records_the_exchange_the_connection_and_the_certificate(trusted):
    _, issued, _, manifest, capture, files = trusted
    kinds = records(files["warc"])
    assert [k for k, _, _ in kinds][:4] == ["warcinfo", "request", "response", "metadata"]
    (_, request, _), (_, response, body), (_, meta, fields) = kinds[1:4]
    for headers in (request, response):
        assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert headers.get_header("WARC-Target-URI") == manifest["url"]
        protocols = [v for k, v in headers.headers if k == "WARC-Protocol"]
        assert protocols == ["http/1.1", "tls/1.3"]
        assert headers.get_header("WARC-Cipher-Suite") == manifest["response"]["tls"]["cipher"]
    assert hashlib.sha256(body).hexdigest() == capture.page_sha256 == manifest["page_sha256"]
    assert meta.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID")
    assert meta.get_header("Content-Type") == "application/warc-fields"
    lines = dict(line.split(": ", 1) for line in fields.decode().splitlines())
    cert = issued.certificate
    assert lines["tls-subject"] == cert.subject.rfc4514_string()
    assert lines["tls-issuer"] == cert.issuer.rfc4514_string()
    assert lines["tls-not-before"] == cert.not_valid_before_utc.isoformat()
    assert lines["tls-not-after"] == cert.not_valid_after_utc.isoformat()
    assert lines["tls-sha256"] == sha256_of(issued)
    assert lines["tls-verified"] == "yes"


def test_evidence_of_an_https_capture_verifies(trusted):
    data = trusted[2]
    done = wangjian("evidence", "verify", WANGJIAN_DATA_DIR=str(data))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_certificate_that_does_not_verify_is_read_rendered_and_said_so(untrusted_rendered):
    report, issued, agents, manifest, _, files = untrusted_rendered
    (result,) = report["results"]
    assert result["rendered"] and result["verdict"]["lead"]
    # The plain fetch (Scrapy) and Chromium's: a certificate error stopped neither.
    assert len(agents) == 2 and any("HeadlessChrome" in a for a in agents), agents
    got = manifest["response"]["tls"]
    assert manifest["response"]["ip"] == "127.0.0.1"
    assert "CN=fake-shop.test" in got["subject"] and "O=无名 CA" in got["issuer"]
    assert got["sha256"] == sha256_of(issued)
    assert got["not_after"] == issued.certificate.not_valid_after_utc.isoformat()
    assert got["verified"] == "no"
    assert got["verify_error"] == "unable to get local issuer certificate"
    # The evidence is the page as served, not the DOM the script made of it.
    assert (files["body"]).read_bytes() == SCRIPTED
    assert "screenshot" in files and not manifest["notes"]


# -- the certificate check on its own (pipelines.tls), in process ------------------------

ROUTES = {"/": lambda q, h: Answer(body=b"<title>ok</title>")}


def test_an_expired_certificate_or_another_name_does_not_verify(tmp_path, monkeypatch):
    now = datetime.now(UTC)
    expired = issue(
        tmp_path / "a",
        "127.0.0.1",
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(expired.ca_file))
    with Site(ROUTES, tls=expired.context) as site:
        found = tls.check(site.url + "/", "127.0.0.1", sha256_of(expired))
    assert (found["verified"], found["verify_error"]) == ("no", "certificate has expired")
    elsewhere = issue(tmp_path / "b", "shop.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(elsewhere.ca_file))
    with Site(ROUTES, tls=elsewhere.context) as site:
        found = tls.check(site.url + "/", "127.0.0.1", sha256_of(elsewhere))
    assert found["verified"] == "no" and "not valid for '127.0.0.1'" in found["verify_error"]
    assert found["protocol"] == "TLSv1.3"


def test_another_certificate_or_no_answer_is_unknown(tmp_path):
    issued = issue(tmp_path, "127.0.0.1")
    with Site(ROUTES, tls=issued.context) as site:
        found = tls.check(site.url + "/", "127.0.0.1", "0" * 64)
    assert found["verified"] == "unknown" and "另一张证书" in found["verify_error"]
    assert "protocol" not in found
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = tls.check(f"https://127.0.0.1:{port}/", "127.0.0.1", "0" * 64, timeout=2)
    assert found["verified"] == "unknown" and "ConnectionRefusedError" in found["verify_error"]


class Tunnel:
    """An http proxy that only answers CONNECT, as a platform's proxy would for https."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.asked: list[bytes] = []
        self.url = f"http://user:pa%40ss@127.0.0.1:{self.server.getsockname()[1]}"

    def __enter__(self) -> Tunnel:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.close()

    def _serve(self) -> None:
        client, _ = self.server.accept()
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv(4096)
        self.asked.append(head)
        target = head.split(b" ")[1].decode()
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                b.close()

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)


def test_the_check_goes_through_the_platforms_proxy(tmp_path, monkeypatch):
    issued = issue(tmp_path, "127.0.0.1")
    monkeypatch.setenv("SSL_CERT_FILE", str(issued.ca_file))
    with Site(ROUTES, tls=issued.context) as site, Tunnel() as proxy:
        found = tls.check(site.url + "/", None, sha256_of(issued), proxy=proxy.url)
        port = site.url.rsplit(":", 1)[1]
    assert found["verified"] == "yes"
    assert proxy.asked[0].startswith(f"CONNECT 127.0.0.1:{port} HTTP/1.1".encode())
    assert b"Proxy-Authorization: Basic dXNlcjpwYUBzcw==" in proxy.asked[0]  # user:pa@ss
    assert not site.seen  # a handshake, no request


def test_through_a_proxy_the_peer_address_is_not_the_servers():
    url = "https://shop.test/item/1"
    for meta, ip in (({}, "10.1.2.3"), ({"proxy": "http://10.1.2.3:3128"}, None)):
        response = HtmlResponse(
            url, body=PAGE, request=Request(url, meta=meta), ip_address=ip_address("10.1.2.3")
        )
        served = served_of(response)
        assert served is not None and served.ip == ip and served.tls is None
