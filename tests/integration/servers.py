"""Real servers in labelled containers for integration tests, on a fixed-subnet network.

- MariaDB 10.11 and Redis 7.0 from Debian 12, in images built once FROM the project's host
  image with apt (no registry is reachable), cached by tag and a hash of their build files.
- The wandb/local contract fixture from tests/fixture (built by its build.sh).

Everything started here carries the label onprem.wandb.test=true plus a per-process session
label, and is removed when its context manager exits, whether the test failed or not.
Servers get fixed addresses with IP SANs in their certificates: containers nested in a test
host cannot resolve Docker's names, and the same helpers should serve those tests too.
Each test network owns a subnet (see CONTRIBUTING.md); this module defaults to 172.29.30.0/24.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import ipaddress
import itertools
import json
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import docker
import docker.errors
import pymysql
import redis
from certs import TestCA, make_ca
from docker.types import IPAMConfig, IPAMPool

TOP = Path(__file__).resolve().parents[2]
LABEL = "onprem.wandb.test"
SESSION_LABEL = "onprem.wandb.test.session"
HASH_LABEL = "onprem.wandb.test.hash"
SESSION = uuid.uuid4().hex[:10]
NETWORK = "owt-fixture-test"
SUBNET = "172.29.30.0/24"
HOST_IMAGE = "onprem-wandb-test/debian:12"
MARIADB_IMAGE = "onprem-wandb-test/mariadb:12"
REDIS_IMAGE = "onprem-wandb-test/redis:12"
FIXTURE_REPO = "fixture.test/wandb/local"
FIXTURE_VERSIONS = ("0.83.0", "0.84.0", "0.85.0")
# Every character a URL can trip over, so a wiring bug cannot pass by luck.
MYSQL_PASSWORD = "my p@ss:w/rd?#%&+=1"
REDIS_PASSWORD = "re p@ss:w/rd?#%&+=2"

IMAGES = Path(__file__).resolve().parent / "images"
MARIADB_TLS_CNF = """[mariadbd]
ssl_ca = /etc/mysql/owt-tls/ca.crt
ssl_cert = /etc/mysql/owt-tls/server.crt
ssl_key = /etc/mysql/owt-tls/server.key
"""
# Test traffic goes only to our containers: never through a proxy from the environment.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_names = itertools.count(1)
_handed_out: set[str] = set()


class DockerUnavailable(RuntimeError):
    pass


@functools.cache
def client() -> docker.DockerClient:
    try:
        c = docker.from_env(timeout=600)
        c.ping()
    except (docker.errors.DockerException, OSError) as e:
        raise DockerUnavailable(f"docker is not reachable: {e}") from e
    return c


@functools.cache
def session_ca() -> TestCA:
    return make_ca("onprem-wandb-test CA " + SESSION)


def labels(role: str) -> dict[str, str]:
    return {LABEL: "true", SESSION_LABEL: SESSION, f"{LABEL}.role": role}


def wait_until(check: Callable, timeout: float, what: str, logs: Callable[[], str] | None = None):
    """Polls check until it returns something truthy; exceptions count as not yet."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = check()
            if result:
                return result
            last = result
        except Exception as e:
            last = e
        if time.monotonic() > deadline:
            tail = f"\n--- logs ---\n{logs()[-3000:]}" if logs else ""
            raise TimeoutError(f"{what}: not within {timeout} s (last: {last!r}){tail}")
        time.sleep(0.5)


# Network and images


@contextlib.contextmanager
def docker_network(name: str = NETWORK, subnet: str = SUBNET) -> Iterator:
    """The labelled test network; removed on exit only when this call created it."""
    c = client()
    found = [n for n in c.networks.list(names=[name]) if n.name == name]
    if found:
        yield found[0]
        return
    net = c.networks.create(
        name,
        driver="bridge",
        labels=labels("network"),
        ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)]),
    )
    try:
        yield net
    finally:
        remove_session_containers()
        with contextlib.suppress(docker.errors.NotFound):
            net.remove()


def free_ip(network: str = NETWORK) -> str:
    net = client().networks.get(network)
    used = {ep["IPv4Address"].split("/")[0] for ep in (net.attrs.get("Containers") or {}).values()}
    subnet = ipaddress.ip_network(net.attrs["IPAM"]["Config"][0]["Subnet"])
    # .2-.9 are left for tests that want well-known addresses.
    for host in itertools.islice(subnet.hosts(), 9, None):
        ip = str(host)
        if ip not in used and ip not in _handed_out:
            _handed_out.add(ip)
            return ip
    raise RuntimeError(f"no free address left in {subnet}")


def ensure_image(tag: str, directory: Path) -> str:
    """Builds tag from directory (a Dockerfile and what it copies) unless it is cached."""
    files = {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode() + b"\0" + data + b"\0")
    want = digest.hexdigest()[:16]
    c = client()
    old = None
    with contextlib.suppress(docker.errors.ImageNotFound):
        old = c.images.get(tag)
        if old.labels.get(HASH_LABEL) == want:
            return tag
    if not c.images.list(name=HOST_IMAGE):
        subprocess.run([str(TOP / "tests/harness/build-host-images.sh")], check=True)
    context = _tar({name: (data, 0o755) for name, data in files.items()})
    c.images.build(
        fileobj=context,
        custom_context=True,
        tag=tag,
        labels={LABEL: "true", HASH_LABEL: want},
        rm=True,
        forcerm=True,
    )
    if old is not None:
        # Untagged now; a container still using it keeps it.
        with contextlib.suppress(docker.errors.APIError):
            c.images.remove(old.id)
    return tag


@functools.cache
def build_fixture_images() -> dict[str, str]:
    """Runs tests/fixture/build.sh (cached, ~0 s when nothing changed); version -> tag."""
    proc = subprocess.run(
        [str(TOP / "tests/fixture/build.sh")], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"tests/fixture/build.sh failed:\n{proc.stdout}\n{proc.stderr}")
    return {v: f"{FIXTURE_REPO}:{v}" for v in FIXTURE_VERSIONS}


# Containers


@dataclass
class Running:
    container: object
    ip: str

    @property
    def name(self) -> str:
        return self.container.name

    def logs(self) -> str:
        return self.container.logs().decode(errors="replace")

    def exec(self, *cmd: str, user: str = "") -> tuple[int, str]:
        result = self.container.exec_run(list(cmd), user=user)
        return result.exit_code, result.output.decode(errors="replace")


def _tar(files: dict[str, tuple[bytes, int]]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dirs = {str(p) for name in files for p in Path(name.lstrip("/")).parents if str(p) != "."}
        for d in sorted(dirs):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def start_container(image: str, role: str, *, network: str, ip: str, files=None, **kwargs):
    """Creates, puts files (path -> bytes, mode 0644) into, and starts a labelled container."""
    c = client()
    container = c.containers.create(
        image,
        name=f"owt-{role}-{SESSION}-{next(_names)}",
        labels=labels(role),
        network=network,
        networking_config={network: c.api.create_endpoint_config(ipv4_address=ip)},
        detach=True,
        **kwargs,
    )
    try:
        if files:
            container.put_archive("/", _tar({p: (data, 0o644) for p, data in files.items()}))
        container.start()
    except Exception:
        remove(container)
        raise
    return container


def remove(container) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        container.remove(force=True, v=True)


def remove_session_containers() -> None:
    for container in client().containers.list(
        all=True, filters={"label": f"{SESSION_LABEL}={SESSION}"}
    ):
        remove(container)


# MariaDB


@dataclass
class MariaDB(Running):
    port: int
    user: str
    password: str
    database: str
    ca: TestCA | None

    def url(self, database: str | None = None, tls: str | None = None) -> str:
        auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        query = f"?tls={tls}" if tls else ""
        return f"mysql://{auth}@{self.ip}:{self.port}/{database or self.database}{query}"

    def sql(self, statement: str) -> str:
        """Runs SQL as root over the server's socket (root has no network login)."""
        rc, out = self.exec("mariadb", "-uroot", "-N", "-B", "-e", statement)
        if rc != 0:
            raise RuntimeError(f"SQL failed ({rc}): {statement}\n{out}")
        return out

    def create_database(self, name: str) -> str:
        self.sql(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci; "
            f"GRANT ALL ON `{name}`.* TO '{self.user}'@'%' WITH GRANT OPTION"
        )
        return name

    def connect(self, database: str | None = None):
        return pymysql.connect(
            host=self.ip,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database or self.database,
            autocommit=True,
            connect_timeout=5,
        )


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextlib.contextmanager
def mariadb_container(
    *,
    network: str = NETWORK,
    database: str = "wandb_local",
    user: str = "wandb",
    password: str = MYSQL_PASSWORD,
    tls: bool = False,
    ip: str | None = None,
) -> Iterator[MariaDB]:
    """MariaDB with database and user (ALL on it); with tls, TLS is offered, not required."""
    image = ensure_image(MARIADB_IMAGE, IMAGES / "mariadb")
    ip = ip or free_ip(network)
    init = (
        f"CREATE DATABASE IF NOT EXISTS `{database}` "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n"
        f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY {_sql_string(password)};\n"
        f"GRANT ALL ON `{database}`.* TO '{user}'@'%' WITH GRANT OPTION;\n"
    )
    files = {"/etc/mysql/owt-init.sql": init.encode()}
    ca = session_ca() if tls else None
    if ca:
        cert, key = ca.issue("mariadb", ips=[ip])
        files.update(
            {
                "/etc/mysql/owt-tls/ca.crt": ca.cert_pem,
                "/etc/mysql/owt-tls/server.crt": cert,
                # Test key, readable by the mysql user it runs as.
                "/etc/mysql/owt-tls/server.key": key,
                "/etc/mysql/mariadb.conf.d/99-owt-tls.cnf": MARIADB_TLS_CNF.encode(),
            }
        )
    container = start_container(image, "mariadb", network=network, ip=ip, files=files)
    try:
        db = MariaDB(container, ip, 3306, user, password, database, ca)
        wait_until(lambda: db.connect().close() or True, 90, "MariaDB accepts logins", db.logs)
        yield db
    finally:
        remove(container)


# Redis


@dataclass
class Redis(Running):
    port: int
    password: str | None
    username: str | None
    tls: bool
    ca: TestCA | None

    def url(self, *, ca_cert_path: str | None = None, ttl: int | None = None) -> str:
        auth = ""
        if self.password:
            auth = f"{quote(self.username or '', safe='')}:{quote(self.password, safe='')}@"
        params = ["tls=true"] if self.tls else []
        params += [f"ttlInSeconds={ttl}"] if ttl else []
        params += [f"caCertPath={quote(ca_cert_path, safe='/')}"] if ca_cert_path else []
        query = "?" + "&".join(params) if params else ""
        return f"redis://{auth}{self.ip}:{self.port}{query}"

    def client(self) -> redis.Redis:
        kwargs = {}
        if self.tls:
            kwargs = {"ssl": True, "ssl_ca_data": self.ca.cert_pem.decode()}
            kwargs["ssl_check_hostname"] = True
        return redis.Redis(
            host=self.ip,
            port=self.port,
            username=self.username,
            password=self.password,
            socket_timeout=5,
            **kwargs,
        )


def _redis_quote(value: str) -> str:
    """A double-quoted redis.conf token; anything unusual as \\xHH so no character is lost."""
    out = []
    for ch in value:
        if ch.isascii() and ch.isprintable() and ch not in '"\\':
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode())
    return '"' + "".join(out) + '"'


def _redis_conf(tls: bool, password: str | None, username: str | None) -> str:
    lines = ["bind 0.0.0.0", "protected-mode no", "dir /var/lib/redis", 'save ""', 'logfile ""']
    if tls:
        lines += ["port 0", "tls-port 6379", "tls-auth-clients no"]
        lines += [f"tls-{k}-file /etc/redis/owt-tls/{v}" for k, v in _REDIS_TLS_FILES.items()]
    else:
        lines.append("port 6379")
    if username:
        # The default user off, so only ACL AUTH (user + password) can get in.
        secret = _redis_quote(">" + password)
        lines += ["user default off", f"user {username} on {secret} ~* &* +@all"]
    elif password:
        lines.append(f"requirepass {_redis_quote(password)}")
    return "\n".join(lines) + "\n"


_REDIS_TLS_FILES = {"cert": "server.crt", "key": "server.key", "ca-cert": "ca.crt"}


@contextlib.contextmanager
def redis_container(
    *,
    network: str = NETWORK,
    tls: bool = True,
    password: str | None = REDIS_PASSWORD,
    username: str | None = None,
    ip: str | None = None,
) -> Iterator[Redis]:
    """Redis 7.0; tls serves TLS only (no plain port); username makes an ACL user."""
    if username and not password:
        raise ValueError("an ACL user needs a password")
    image = ensure_image(REDIS_IMAGE, IMAGES / "redis")
    ip = ip or free_ip(network)
    files = {"/etc/redis/owt.conf": _redis_conf(tls, password, username).encode()}
    ca = session_ca() if tls else None
    if ca:
        cert, key = ca.issue("redis", ips=[ip])
        files.update(
            {
                "/etc/redis/owt-tls/ca.crt": ca.cert_pem,
                "/etc/redis/owt-tls/server.crt": cert,
                "/etc/redis/owt-tls/server.key": key,
            }
        )
    container = start_container(image, "redis", network=network, ip=ip, files=files)
    try:
        server = Redis(container, ip, 6379, password, username, tls, ca)
        wait_until(lambda: server.client().ping(), 30, "Redis answers PING", server.logs)
        yield server
    finally:
        remove(container)


# The wandb/local contract fixture


@dataclass
class Fixture(Running):
    version: str

    def url(self, path: str = "/", port: int = 8080) -> str:
        return f"http://{self.ip}:{port}{path}"

    def get(self, path: str, port: int = 8080) -> tuple[int, str]:
        try:
            with _HTTP.open(self.url(path, port), timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def json(self, path: str) -> dict:
        status, body = self.get(path)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def status(self) -> str:
        self.container.reload()
        return self.container.status

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until(lambda: self.get("/ready")[0] == 200, timeout, f"{self.name} ready", self.logs)

    def wait_state(self, predicate: Callable[[dict], bool], timeout: float = 60) -> dict:
        return wait_until(
            lambda: (s := self.json("/_fixture/state")) and predicate(s) and s,
            timeout,
            f"{self.name} state",
            self.logs,
        )

    def wait_exit(self, timeout: float = 60) -> int:
        return self.container.wait(timeout=timeout)["StatusCode"]


@contextlib.contextmanager
def fixture_container(
    version: str,
    env: dict[str, str],
    *,
    network: str = NETWORK,
    files: dict[str, bytes] | None = None,
    ip: str | None = None,
    wait_http: bool = True,
) -> Iterator[Fixture]:
    """The fixture image for version with env; files (path -> bytes) are put in before start."""
    ip = ip or free_ip(network)
    container = start_container(
        f"{FIXTURE_REPO}:{version}", "wandb", network=network, ip=ip, files=files, environment=env
    )
    try:
        fx = Fixture(container, ip, version)
        if wait_http:
            wait_until(lambda: fx.get("/healthz")[0] == 200, 20, "fixture /healthz", fx.logs)
        yield fx
    finally:
        remove(container)
