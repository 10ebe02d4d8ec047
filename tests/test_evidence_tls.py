"""Evidence of an https page: `wangjian scan --keep` of a lead served over TLS (a real https
server on 127.0.0.1 with a certificate made for the test) keeps the server's IP address and
the certificate's subject, issuer, validity and serial in the capture's manifest, and the IP
in the WARC; the body hashed from the WARC is the one the database holds."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import ssl
from datetime import UTC

import pytest
from sites import Answer, Site
from wangjian_process import wangjian_json
from warcio.archiveiterator import ArchiveIterator

trustme = pytest.importorskip("trustme")

PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>老象牙手镯 实心 收藏</title></head>"
    "<body><h1>老象牙手镯 实心 收藏</h1><p>包浆自然，支持鉴定</p></body></html>"
).encode()


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    from cryptography import x509

    ca = trustme.CA(organization_name="网监测试 CA")
    leaf = ca.issue_cert("127.0.0.1", common_name="shop.test", organization_name="测试商城")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    data = tmp_path_factory.mktemp("tls")
    env = {"WANGJIAN_DATA_DIR": str(data), "WANGJIAN_CAPTURE": "true"}
    with Site({"/item/1": lambda q, h: Answer(body=PAGE)}, tls=context) as site:
        assert site.url.startswith("https://")
        report = wangjian_json("scan", f"{site.url}/item/1", "--keep", code=0, **env)
    with sqlite3.connect(data / "wangjian.db") as db:
        (manifest_path,) = db.execute("SELECT manifest_path FROM captures").fetchone()
        (warc_path,) = db.execute("SELECT path FROM capture_files WHERE role = 'warc'").fetchone()
        (page_sha,) = db.execute("SELECT page_sha256 FROM captures").fetchone()
    manifest = json.loads((data / manifest_path).read_bytes())
    return report, manifest, data / warc_path, page_sha, cert


def test_the_manifest_holds_the_certificate_and_the_ip(captured):
    report, manifest, _, _, cert = captured
    assert report["results"][0]["verdict"]["lead"]
    response = manifest["response"]
    assert response["ip"] == "127.0.0.1"
    tls = response["tls"]
    assert "CN=shop.test" in tls["subject"] and "O=测试商城" in tls["subject"]
    assert "O=网监测试 CA" in tls["issuer"]
    assert tls["not_before"] == cert.not_valid_before_utc.astimezone(UTC).isoformat()
    assert tls["not_after"] == cert.not_valid_after_utc.astimezone(UTC).isoformat()
    assert int(tls["serial"], 16) == cert.serial_number


def test_the_warc_records_the_ip_and_the_body_as_served(captured):
    _, manifest, warc, page_sha, _ = captured
    with warc.open("rb") as stream:
        records = list(ArchiveIterator(stream))
        assert [r.rec_type for r in records][:3] == ["warcinfo", "request", "response"]
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
                assert record.rec_headers.get_header("WARC-Target-URI").startswith("https://")
                body = record.content_stream().read()
                assert hashlib.sha256(body).hexdigest() == page_sha == manifest["page_sha256"]
