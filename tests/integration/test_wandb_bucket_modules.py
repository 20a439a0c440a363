"""onprem.wandb.wandb_bucket_check and wandb_bucket_cors against a real S3 API.

The S3 API is moto behind TLS with a throwaway CA (tests/s3/moto_s3.py, which makes moto
authenticate presigned URLs and answer CORS preflights the way S3 does), run from this venv
on a loopback port: no container, no network of its own. Two small HTTPS servers stand for
stores that misbehave: one with a self-signed certificate, one whose clock is two hours
behind. The playbooks in targets/ do the four steps and every failure path; this file
starts the servers, prepares the buckets and checks afterwards, with boto3, what the
modules left behind.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import http.server
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parent))
from certs import make_ca
from playbook import ansible_env, run_playbook

TOP = Path(__file__).resolve().parents[2]
TARGETS = TOP / "tests/integration/targets"
LAUNCHER = TOP / "tests/s3/moto_s3.py"
ACCESS = "AKIAOWTBUCKETTEST"
# Characters URL and form encoders disagree on.
SECRET = "bucket/Test+key=%@:?9"
LIMITED_ACCESS = "AKIAOWTREADONLY"
LIMITED_SECRET = "read/only+key=1"
SYSTEM_PYTHON = "/usr/bin/python3"
BUCKETS = ("owt-check", "owt-versioned", "owt-nocors", "owt-cors", "owt-cors-hand")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "self-signed.crt", tmp / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class LateClock(http.server.BaseHTTPRequestHandler):
    """A store that lists any bucket (empty) with a Date two hours behind."""

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() - 7200, usegmt=True)

    def do_GET(self):
        body = b'<?xml version="1.0"?><ListBucketResult></ListBucketResult>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def https_server(cert: Path, key: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), LateClock)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("s3")
    ca = make_ca("onprem-wandb bucket test CA")
    cert, key = ca.issue("127.0.0.1", ips=["127.0.0.1"])
    (tmp / "ca.crt").write_bytes(ca.cert_pem)
    (tmp / "server.crt").write_bytes(cert)
    (tmp / "server.key").write_bytes(key)
    (tmp / "users.json").write_text(
        json.dumps(
            [
                {"access_key": ACCESS, "secret_key": SECRET, "actions": ["s3:*"]},
                # Reads objects, nothing else: no upload, no CORS.
                {
                    "access_key": LIMITED_ACCESS,
                    "secret_key": LIMITED_SECRET,
                    "actions": ["s3:ListBucket", "s3:GetObject"],
                },
            ]
        )
    )
    port = free_port()
    log = (tmp / "moto.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(LAUNCHER),
            "--port",
            str(port),
            "--cert",
            str(tmp / "server.crt"),
            "--key",
            str(tmp / "server.key"),
            "--users",
            str(tmp / "users.json"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"127.0.0.1:{port}"
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"https://{endpoint}",
            region_name="us-east-1",
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
            verify=str(tmp / "ca.crt"),
            config=Config(s3={"addressing_style": "path"}),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                s3.list_buckets()
                break
            except (OSError, BotoCoreError, ClientError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp / "moto.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        for bucket in BUCKETS:
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(
            Bucket="owt-versioned", VersioningConfiguration={"Status": "Enabled"}
        )
        # A rule another application on the bucket relies on: it must survive.
        other = {
            "ID": "site-other",
            "AllowedOrigins": ["https://other.example"],
            "AllowedMethods": ["GET"],
        }
        s3.put_bucket_cors(Bucket="owt-cors", CORSConfiguration={"CORSRules": [other]})
        self_cert, self_key = self_signed(tmp)
        late_cert, late_key = ca.issue("127.0.0.1", ips=["127.0.0.1"])
        (tmp / "late.crt").write_bytes(late_cert)
        (tmp / "late.key").write_bytes(late_key)
        with (
            https_server(self_cert, self_key) as self_signed_endpoint,
            https_server(tmp / "late.crt", tmp / "late.key") as late_endpoint,
        ):
            yield {
                "s3": s3,
                "dir": tmp,
                "vars": {
                    "bc_endpoint": endpoint,
                    "bc_ca": (tmp / "ca.crt").read_text(),
                    "bc_ca_file": str(tmp / "ca.crt"),
                    "bc_access_key": ACCESS,
                    "bc_secret_key": SECRET,
                    "bc_limited_access_key": LIMITED_ACCESS,
                    "bc_limited_secret_key": LIMITED_SECRET,
                    "bc_closed_endpoint": f"127.0.0.1:{free_port()}",
                    "bc_self_signed_endpoint": self_signed_endpoint,
                    "bc_late_endpoint": late_endpoint,
                    # Stdlib only: the system's Python, not this venv's.
                    "bc_python": SYSTEM_PYTHON if Path(SYSTEM_PYTHON).exists() else sys.executable,
                },
            }
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def last_task(out: str) -> str:
    """The task the play stopped at (the last one it ran) and its errors, for the message."""
    task = out[out.rfind("TASK [") :]
    errors = [line for line in task.splitlines() if line.startswith("[ERROR]")]
    return "\n".join([task.splitlines()[0], *errors])[:6000]


def run(target: str, extra: dict) -> str:
    env = ansible_env()
    env.pop("ANSIBLE_PYTHON_INTERPRETER")
    proc = run_playbook(TARGETS / target / "main.yml", "--diff", "-v", extra_vars=extra, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, last_task(out)
    for secret in (SECRET, LIMITED_SECRET):
        for form in (secret, quote(secret, safe=""), quote(secret, safe="/")):
            assert form not in out, "a secret key appears in the playbook output"
    return out


def test_wandb_bucket_check(store):
    out = run("wandb_bucket_check", store["vars"])
    assert "do not let browsers at https://wandb.example.test use it" in out
    s3 = store["s3"]
    # Every run deleted its scratch object, the versioned bucket's versions too.
    for bucket in ("owt-check", "owt-nocors", "owt-versioned"):
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0, bucket
    versions = s3.list_object_versions(Bucket="owt-versioned")
    assert versions.get("Versions", []) == [] and versions.get("DeleteMarkers", []) == []


def test_wandb_bucket_cors(store):
    run("wandb_bucket_cors", store["vars"])
    rules = store["s3"].get_bucket_cors(Bucket="owt-cors")["CORSRules"]
    assert [r.get("ID") for r in rules] == ["onprem-wandb", "site-other"]
    assert rules[0]["AllowedOrigins"] == ["https://wandb.example.test"]
    assert sorted(rules[0]["AllowedMethods"]) == ["GET", "HEAD", "PUT"]
    assert rules[0]["ExposeHeaders"] == ["ETag"]
    assert rules[1]["AllowedOrigins"] == ["https://other.example"]
    hand = store["s3"].get_bucket_cors(Bucket="owt-cors-hand")["CORSRules"]
    assert [r.get("ID") for r in hand] == ["onprem-wandb", None]
    assert hand[1]["AllowedOrigins"] == ["https://other.example"]
