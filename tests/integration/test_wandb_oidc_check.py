"""onprem.wandb.wandb_oidc_check against a real OpenID provider.

The provider is tests/oidc/idp.mjs (oidc-provider from npm, installed into .cache by
tests/harness/ensure-oidc-provider.sh) on loopback ports, over HTTPS with a throwaway CA
whose certificate names idp.owt.test: only the module's extra_hosts resolves that name. A
second provider offers no PKCE S256. The playbook in targets/ does the four steps and
every failure path.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from certs import make_ca
from playbook import run_playbook

TOP = Path(__file__).resolve().parents[2]
TARGET = TOP / "tests/integration/targets/wandb_oidc_check/main.yml"
SECRET = "oidc/Test+secret=%@:?9"
SYSTEM_PYTHON = "/usr/bin/python3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, log: Path) -> None:
    for _attempt in range(100):
        if proc.poll() is not None:
            raise RuntimeError(f"the IdP exited: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the IdP did not listen on {port}: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def idps(tmp_path_factory):
    if not shutil.which("node"):
        pytest.skip("node is not installed (make prepare installs it)")
    app = subprocess.run(
        [str(TOP / "tests/harness/ensure-oidc-provider.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tmp = tmp_path_factory.mktemp("idp")
    ca = make_ca("onprem-wandb oidc test CA")
    cert, key = ca.issue("idp.owt.test", ips=["127.0.0.1"], dns=["idp.owt.test"])
    (tmp / "server.crt").write_bytes(cert)
    (tmp / "server.key").write_bytes(key)
    (tmp / "ca.crt").write_bytes(ca.cert_pem)
    other = make_ca("another CA")
    (tmp / "other-ca.crt").write_bytes(other.cert_pem)
    ports, procs = {}, []
    try:
        for name, no_s256 in (("s256", "0"), ("no_s256", "1")):
            port = free_port()
            log = tmp / f"idp-{name}.log"
            env = dict(
                os.environ,
                OWT_IDP_PORT=str(port),
                OWT_IDP_ISSUER=f"https://idp.owt.test:{port}",
                OWT_IDP_CERT=str(tmp / "server.crt"),
                OWT_IDP_KEY=str(tmp / "server.key"),
                OWT_IDP_CLIENT_ID="wandb",
                OWT_IDP_CLIENT_SECRET=SECRET,
                OWT_IDP_REDIRECT_URI="https://wandb.example.test/oidc/callback",
                OWT_IDP_NO_S256=no_s256,
            )
            with log.open("w") as out:
                proc = subprocess.Popen(
                    ["node", f"{app}/idp.mjs"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            procs.append(proc)
            wait_for(port, proc, log)
            ports[name] = port
        yield {"ports": ports, "dir": tmp}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def test_four_steps_and_failures(idps):
    free = free_port()
    result = run_playbook(
        TARGET,
        extra_vars={
            "oc_python": SYSTEM_PYTHON if Path(SYSTEM_PYTHON).exists() else sys.executable,
            "oc_port": idps["ports"]["s256"],
            "oc_port_no_s256": idps["ports"]["no_s256"],
            "oc_port_closed": free,
            "oc_ca": (idps["dir"] / "ca.crt").read_text(),
            "oc_other_ca": (idps["dir"] / "other-ca.crt").read_text(),
        },
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert SECRET not in result.stdout + result.stderr
