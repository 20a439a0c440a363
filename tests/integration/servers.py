"""Real servers in labelled containers: the one place the tests build server images and start
containers.

Images (tests/integration/images/): built FROM the project's Debian host images with apt (no
registry is reachable), cached by tag and a hash of their build inputs (the Dockerfile, the
files it copies and the base image's id), so a changed input rebuilds and nothing else does:

- ``onprem-wandb-test/mariadb:10.11``: MariaDB 10.11 from Debian 12
- ``onprem-wandb-test/mysql:9.7``: MySQL 9.7 from Debian sid (the molecule scenario
  mysql_external runs it too)
- ``onprem-wandb-test/redis:7.0``: Redis 7.0 from Debian 12
- ``onprem-wandb-test/k8s-apiserver:1.36``: Kubernetes' apiextensions-apiserver from Debian sid's
  Go source with a discovery wrapper, on etcd: CRDs and custom resources, no core API (the
  molecule scenario operator runs it; ~6-7 min to build cold, so ``make images`` builds it)

plus the wandb/local contract fixture from tests/fixture (built by its build.sh).

Containers: ``start_container`` is the one way to start one. Everything it starts carries the
label onprem.wandb.test=true plus a per-process session label, and the context managers remove
it on exit, whether the test failed or not. Servers get fixed-subnet addresses with IP SANs in
their certificates: containers nested in a test host cannot resolve Docker's names. Each test
network owns a subnet (see CONTRIBUTING.md): 172.29.30.0/24 here (the fixture image tests),
172.29.31.0/24 the MySQL module tests, 172.29.33.0/24 the container module tests.

Run ``python tests/integration/servers.py build [mariadb|mysql|redis ...]`` to build images ahead
of time (molecule's create playbook does, for the images its platforms name).
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
import sys
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
HOST_IMAGE_REPO = "onprem-wandb-test/debian"
FIXTURE_REPO = "fixture.test/wandb/local"
FIXTURE_VERSIONS = ("0.83.0", "0.84.0", "0.85.0")
# Every character a URL can trip over, so a wiring bug cannot pass by luck.
MYSQL_PASSWORD = "my p@ss:w/rd?#%&+=1"
REDIS_PASSWORD = "re p@ss:w/rd?#%&+=2"
# The admin account of servers that tests administer (module tests), over TCP.
ADMIN_USER = "owt_admin"
# A throwaway password for throwaway test servers.
ADMIN_PASSWORD = "owt-Admin-pw1"

IMAGES = Path(__file__).resolve().parent / "images"


@dataclass(frozen=True)
class ImageSpec:
    tag: str
    dockerfile: str  # relative to IMAGES
    files: tuple[str, ...] = ()  # what the Dockerfile copies, relative to IMAGES


IMAGE_SPECS = {
    "mariadb": ImageSpec("onprem-wandb-test/mariadb:10.11", "mariadb/Dockerfile", ("owt-mysqld",)),
    "mysql": ImageSpec("onprem-wandb-test/mysql:9.7", "mysql/Dockerfile", ("owt-mysqld",)),
    "redis": ImageSpec("onprem-wandb-test/redis:7.0", "redis/Dockerfile"),
    "k8s": ImageSpec(
        "onprem-wandb-test/k8s-apiserver:1.36",
        "k8s-apiserver/Dockerfile",
        ("k8s-apiserver/main.go", "k8s-apiserver/owt-k8s-start"),
    ),
}
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
        c = docker.from_env(timeout=900)
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


# Networks


@contextlib.contextmanager
def docker_network(name: str = NETWORK, subnet: str = SUBNET) -> Iterator:
    """The labelled test network on its fixed subnet, removed on exit with this session's
    containers on it; an existing one (left by a run that died) is reused, not removed."""
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
        for container in c.containers.list(
            all=True, filters={"label": f"{SESSION_LABEL}={SESSION}", "network": net.id}
        ):
            remove(container)
        with contextlib.suppress(docker.errors.NotFound):
            net.remove()


def _endpoints(network: str) -> dict[str, str]:
    """Address -> container id of everything attached to network."""
    net = client().networks.get(network)
    return {
        ep["IPv4Address"].split("/")[0]: cid
        for cid, ep in (net.attrs.get("Containers") or {}).items()
    }


def free_ip(network: str = NETWORK) -> str:
    net = client().networks.get(network)
    used = set(_endpoints(network))
    subnet = ipaddress.ip_network(net.attrs["IPAM"]["Config"][0]["Subnet"])
    # .2-.9 are left for tests that want well-known addresses.
    for host in itertools.islice(subnet.hosts(), 9, None):
        ip = str(host)
        if ip not in used and ip not in _handed_out:
            _handed_out.add(ip)
            return ip
    raise RuntimeError(f"no free address left in {subnet}")


def _free_fixed_ip(network: str, ip: str) -> None:
    """A fixed address held by a test container of another session (a run that died) is taken
    back; one held by anything else is an error, never removed."""
    holder = _endpoints(network).get(ip)
    if holder is None:
        return
    container = client().containers.get(holder)
    theirs = container.labels.get(SESSION_LABEL)
    if container.labels.get(LABEL) != "true" or theirs == SESSION:
        raise RuntimeError(f"{ip} on {network} is taken by {container.name}")
    remove(container)


# Images


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


def _base_image_id(dockerfile: bytes) -> str:
    """The id of the FROM image; the project's host images are built when missing."""
    base = next(
        line.split()[1] for line in dockerfile.decode().splitlines() if line.startswith("FROM ")
    )
    c = client()
    try:
        return c.images.get(base).id
    except docker.errors.ImageNotFound:
        if not base.startswith(HOST_IMAGE_REPO + ":"):
            raise
    subprocess.run([str(TOP / "tests/harness/build-host-images.sh")], check=True)
    return c.images.get(base).id


def ensure_image(name: str) -> str:
    """Builds IMAGE_SPECS[name] unless an image with the same build inputs is cached; its tag."""
    spec = IMAGE_SPECS[name]
    dockerfile = (IMAGES / spec.dockerfile).read_bytes()
    files = {"Dockerfile": dockerfile}
    files.update({Path(f).name: (IMAGES / f).read_bytes() for f in spec.files})
    digest = hashlib.sha256(_base_image_id(dockerfile).encode() + b"\0")
    for fname, data in sorted(files.items()):
        digest.update(fname.encode() + b"\0" + data + b"\0")
    want = digest.hexdigest()[:16]
    c = client()
    old = None
    with contextlib.suppress(docker.errors.ImageNotFound):
        old = c.images.get(spec.tag)
        if old.labels.get(HASH_LABEL) == want:
            return spec.tag
    c.images.build(
        fileobj=_tar({fname: (data, 0o755) for fname, data in files.items()}),
        custom_context=True,
        tag=spec.tag,
        labels={LABEL: "true", HASH_LABEL: want},
        rm=True,
        forcerm=True,
    )
    if old is not None:
        # Untagged now; a container still using it keeps it.
        with contextlib.suppress(docker.errors.APIError):
            c.images.remove(old.id)
    return spec.tag


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

    def exec(self, *cmd: str, user: str = "", detach: bool = False) -> tuple[int, str]:
        result = self.container.exec_run(list(cmd), user=user, detach=detach)
        if detach:
            return 0, ""
        return result.exit_code, result.output.decode(errors="replace")

    def read_file(self, path: str) -> bytes:
        stream, _stat = self.container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            return tar.extractfile(member).read()

    def published_port(self, port: str) -> tuple[str, int]:
        """(host address, host port) where the container's port (e.g. "3306/tcp") is published."""
        self.container.reload()
        binding = self.container.attrs["NetworkSettings"]["Ports"][port][0]
        return binding["HostIp"], int(binding["HostPort"])


def start_container(
    image: str,
    role: str,
    *,
    network: str | None = None,
    ip: str | None = None,
    files: dict[str, bytes] | None = None,
    **kwargs,
):
    """Creates, puts files (path -> bytes, mode 0644) into, and starts a labelled container.

    On network it gets ip (taken back from a dead run's container if need be) or a free
    address; without network it runs on Docker's default bridge. kwargs go to the SDK's
    containers.create (command, environment, ports, ...).
    """
    c = client()
    if network:
        if ip:
            _free_fixed_ip(network, ip)
        else:
            ip = free_ip(network)
        kwargs.update(
            network=network,
            networking_config={network: c.api.create_endpoint_config(ipv4_address=ip)},
        )
    container = c.containers.create(
        image,
        name=f"owt-{role}-{SESSION}-{next(_names)}",
        labels=labels(role),
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


def remove_named(name: str) -> None:
    """Removes a test-labelled container by name (one a module under test started)."""
    with contextlib.suppress(docker.errors.NotFound):
        container = client().containers.get(name)
        if container.labels.get(LABEL) != "true":
            raise RuntimeError(f"{name} is not a test container; not removing it")
        remove(container)


@contextlib.contextmanager
def running(container, wrap: Callable, ready: Callable | None = None) -> Iterator:
    """wrap(container) as the context value, after ready(value) passed; removed on exit."""
    try:
        value = wrap(container)
        if ready:
            ready(value)
        yield value
    finally:
        remove(container)


@contextlib.contextmanager
def host_container(image: str, role: str, **kwargs) -> Iterator[Running]:
    """A plain container of a host image that idles (for tests that connect to it)."""
    container = start_container(image, role, command=["sleep", "infinity"], **kwargs)
    with running(container, lambda ct: Running(ct, kwargs.get("ip") or "")) as host:
        yield host


# MariaDB and MySQL


@dataclass
class SQLServer(Running):
    flavor: str
    user: str | None
    password: str
    database: str | None
    ca: TestCA | None
    admin_user: str | None = None
    admin_password: str | None = None
    # Where the test machine reaches 3306 when it is published, else the container's address.
    published: tuple[str, int] | None = None
    port: int = 3306
    # A copy of the server's CA certificate on the test machine, when a test made one.
    ca_cert: str = ""

    def url(self, database: str | None = None, tls: str | None = None) -> str:
        auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        query = f"?tls={tls}" if tls else ""
        return f"mysql://{auth}@{self.ip}:{self.port}/{database or self.database}{query}"

    def login(self) -> dict:
        """The admin login as community.mysql / wandb_mysql_* modules take it."""
        host, port = self.published or (self.ip, self.port)
        return {
            "login_host": host,
            "login_port": port,
            "login_user": self.admin_user,
            "login_password": self.admin_password,
        }

    def sql(self, statement: str) -> str:
        """Runs SQL as root over the server's socket (root has no network login)."""
        cli = "mariadb" if self.flavor == "mariadb" else "mysql"
        rc, out = self.exec(cli, "-uroot", "-N", "-B", "-e", statement)
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

    def connect_admin(self):
        login = self.login()
        return pymysql.connect(
            host=login["login_host"],
            port=login["login_port"],
            user=self.admin_user,
            password=self.admin_password,
            autocommit=True,
            connect_timeout=5,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        def logins() -> bool:
            if self.user:
                self.connect().close()
            if self.admin_user:
                self.connect_admin().close()
            return True

        wait_until(logins, timeout, f"{self.flavor} accepts logins", self.logs)

    def restart(self) -> None:
        """Restarts the server process (a published port can change) and waits for logins."""
        self.container.restart()
        if self.published:
            self.published = self.published_port("3306/tcp")
        self.wait_ready()


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextlib.contextmanager
def sql_container(
    flavor: str = "mariadb",
    *,
    network: str = NETWORK,
    database: str = "wandb_local",
    user: str | None = "wandb",
    password: str = MYSQL_PASSWORD,
    tls: bool = False,
    ip: str | None = None,
    admin_password: str | None = None,
    publish: bool = False,
    server_args: tuple[str, ...] = (),
) -> Iterator[SQLServer]:
    """MariaDB 10.11 or MySQL 9.7 with database and user (ALL on it); user=None: neither.

    tls: MariaDB offers TLS (not required) with a certificate from session_ca for the
    container's address; MySQL always offers TLS with its own auto-generated certificates.
    admin_password: also an account ADMIN_USER@'%' with ALL privileges, over TCP.
    publish: 3306 is published on a random 127.0.0.1 port, which login() then names.
    server_args: extra mariadbd/mysqld options.
    """
    image = ensure_image(flavor)
    files = {}
    if user:
        init = (
            f"CREATE DATABASE IF NOT EXISTS `{database}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n"
            f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY {_sql_string(password)};\n"
            f"GRANT ALL ON `{database}`.* TO '{user}'@'%' WITH GRANT OPTION;\n"
        )
        files["/etc/mysql/owt-init.sql"] = init.encode()
    else:
        database = None
    env = {}
    if not user and not admin_password:
        raise ValueError("a server without an application user needs the admin account")
    if admin_password:
        if "'" in admin_password or "\\" in admin_password:
            raise ValueError("the admin password goes into SQL unescaped: no quote or backslash")
        env = {"OWT_ADMIN_USER": ADMIN_USER, "OWT_ADMIN_PASSWORD": admin_password}
    ip = ip or free_ip(network)
    ca = session_ca() if tls and flavor == "mariadb" else None
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
    container = start_container(
        image,
        flavor,
        network=network,
        ip=ip,
        files=files,
        environment=env,
        ports={"3306/tcp": ("127.0.0.1", None)} if publish else None,
        command=["/usr/local/bin/owt-mysqld", *server_args] if server_args else None,
    )

    def wrap(ct) -> SQLServer:
        db = SQLServer(ct, ip, flavor, user, password, database, ca)
        if admin_password:
            db.admin_user, db.admin_password = ADMIN_USER, admin_password
        if publish:
            db.published = db.published_port("3306/tcp")
        return db

    with running(container, wrap, lambda db: db.wait_ready()) as db:
        yield db


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
    image = ensure_image("redis")
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
    with running(
        container,
        lambda ct: Redis(ct, ip, 6379, password, username, tls, ca),
        lambda server: wait_until(
            lambda: server.client().ping(), 30, "Redis answers PING", server.logs
        ),
    ) as server:
        yield server


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

    def healthy(fx: Fixture) -> None:
        if wait_http:
            wait_until(lambda: fx.get("/healthz")[0] == 200, 20, "fixture /healthz", fx.logs)

    with running(container, lambda ct: Fixture(ct, ip, version), healthy) as fx:
        yield fx


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "build":
        print("usage: servers.py build [" + "|".join(IMAGE_SPECS) + " ...]", file=sys.stderr)
        return 2
    names = argv[1:] or list(IMAGE_SPECS)
    # Also by tag, as molecule platforms name them.
    by_tag = {spec.tag: name for name, spec in IMAGE_SPECS.items()}
    for name in names:
        print(ensure_image(by_tag.get(name, name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
