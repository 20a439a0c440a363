"""Real MySQL 9.7 and MariaDB 10.11 servers in labelled containers, for the module tests.

Images are built once FROM the project's Debian host images with apt (no registry is
reachable) and cached by tag. The apt mirror is the one the host image was debootstrapped
from, read inside the image, so no host name is written here. Servers run mysqld directly
as the container command: sid's systemd does not boot here, and a plain process starts in
seconds. An init file (re)creates an admin account reachable over TCP on every start.

Run ``python tests/integration/mysql_servers.py build`` to build the images ahead of time.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LABEL = "onprem.wandb.test=true"
ADMIN_USER = "owt_admin"
# A throwaway password for throwaway test servers on 127.0.0.1.
ADMIN_PASSWORD = "owt-Admin-pw1"

START_SH = r"""#!/bin/sh
# Container entry point: mysqld as PID 1 with an admin account for the tests.
set -eu
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld
umask 077
printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" \
  "$OWT_ADMIN_USER" "$OWT_ADMIN_PASSWORD" > /run/mysqld/init.sql
printf "ALTER USER '%s'@'%%' IDENTIFIED BY '%s';\n" \
  "$OWT_ADMIN_USER" "$OWT_ADMIN_PASSWORD" >> /run/mysqld/init.sql
printf "GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION;\n" \
  "$OWT_ADMIN_USER" >> /run/mysqld/init.sql
chown mysql /run/mysqld/init.sql
bin=$(command -v mariadbd || command -v mysqld)
exec "$bin" --user=mysql --bind-address=0.0.0.0 --init-file=/run/mysqld/init.sql "$@"
"""

# The sid source reuses the image's own mirror; Check-Valid-Until is off because
# the mirror may be a snapshot whose Release files have expired.
MYSQL97_DOCKERFILE = """FROM onprem-wandb-test/debian:13
LABEL onprem.wandb.test=true
RUN mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list) \\
 && echo "deb $mirror sid main" > /etc/apt/sources.list.d/sid.list \\
 && printf 'Package: *\\nPin: release n=sid\\nPin-Priority: 100\\n' > /etc/apt/preferences.d/sid \\
 && apt-get -o Acquire::Check-Valid-Until=false update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -qq \\
    --no-install-recommends -t sid mysql-server >/dev/null \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY start.sh /usr/local/bin/owt-mysqld
RUN chmod 0755 /usr/local/bin/owt-mysqld
CMD ["/usr/local/bin/owt-mysqld"]
"""

MARIADB_DOCKERFILE = """FROM onprem-wandb-test/debian:12
LABEL onprem.wandb.test=true
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
    mariadb-server >/dev/null \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY start.sh /usr/local/bin/owt-mysqld
RUN chmod 0755 /usr/local/bin/owt-mysqld
CMD ["/usr/local/bin/owt-mysqld"]
"""

IMAGES = {
    "mysql": ("onprem-wandb-test/mysql:9.7", MYSQL97_DOCKERFILE),
    "mariadb": ("onprem-wandb-test/mariadb:10.11", MARIADB_DOCKERFILE),
}


def docker(*args: str, check: bool = True, capture: bool = True) -> str:
    proc = subprocess.run(
        ["docker", *args], check=False, capture_output=capture, text=True, timeout=900
    )
    if check and proc.returncode != 0:
        raise RuntimeError("docker %s failed: %s" % (" ".join(args), proc.stderr))
    return proc.stdout.strip() if capture else ""


def ensure_image(flavor: str) -> str:
    """Build the server image for flavor unless it is cached; returns its tag."""
    tag, dockerfile = IMAGES[flavor]
    inspect = ["docker", "image", "inspect", tag]
    if subprocess.run(inspect, capture_output=True, check=False).returncode == 0:
        return tag
    with tempfile.TemporaryDirectory() as ctx:
        Path(ctx, "Dockerfile").write_text(dockerfile)
        Path(ctx, "start.sh").write_text(START_SH)
        docker("build", "-q", "-t", tag, ctx)
    return tag


@dataclass
class Server:
    flavor: str
    container: str
    host: str
    port: int
    admin_user: str
    admin_password: str

    def login(self) -> dict:
        return dict(
            login_host=self.host,
            login_port=self.port,
            login_user=self.admin_user,
            login_password=self.admin_password,
        )


def wait_ready(server: Server, timeout: float = 120) -> None:
    import pymysql

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            pymysql.connect(
                host=server.host,
                port=server.port,
                user=server.admin_user,
                password=server.admin_password,
                connect_timeout=3,
            ).close()
            return
        except pymysql.err.MySQLError as e:
            last = e
            time.sleep(1)
    logs = docker("logs", "--tail", "30", server.container, check=False)
    raise RuntimeError("%s did not accept logins: %s\n%s" % (server.flavor, last, logs))


def start(flavor: str, name: str, admin_password: str = ADMIN_PASSWORD) -> Server:
    tag = ensure_image(flavor)
    docker("rm", "-f", "-v", name, check=False)
    docker(
        "run",
        "-d",
        "--name",
        name,
        "--label",
        LABEL,
        "-e",
        "OWT_ADMIN_USER=" + ADMIN_USER,
        "-e",
        "OWT_ADMIN_PASSWORD=" + admin_password,
        "-p",
        "127.0.0.1::3306",
        tag,
    )
    try:
        port = int(docker("port", name, "3306/tcp").splitlines()[0].rsplit(":", 1)[1])
        server = Server(flavor, name, "127.0.0.1", port, ADMIN_USER, admin_password)
        wait_ready(server)
    except Exception:
        stop(name)
        raise
    return server


def restart(server: Server) -> Server:
    """Restart the container (the published port can change) and wait for logins."""
    docker("restart", server.container)
    server.port = int(
        docker("port", server.container, "3306/tcp").splitlines()[0].rsplit(":", 1)[1]
    )
    wait_ready(server)
    return server


def stop(name: str) -> None:
    docker("rm", "-f", "-v", name, check=False)


@contextlib.contextmanager
def running(flavor: str, name: str):
    server = start(flavor, name)
    try:
        yield server
    finally:
        stop(name)


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        sys.exit("usage: mysql_servers.py build")
    for f in IMAGES:
        print(ensure_image(f))
