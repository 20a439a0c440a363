"""The wandb/local contract fixture image against real MariaDB and TLS Redis servers.

Proves the fixture is strict enough to trust: it becomes ready only with correct wiring,
upgrades its schema, refuses downgrades and dirty schemas, and a broken release or a bad
value keeps it not-ready. Each test gets its own database on the shared server.
"""

import hashlib
import time

import pytest
import servers
from certs import make_ca

MYSQL_CA = "/etc/wandb/mysql-ca.pem"
REDIS_CA = "/etc/wandb/redis-ca.pem"
CUSTOM_CA = "/usr/local/share/ca-certificates/customCA0.crt"
SECRETS = {"LICENSE": "license-Secret-1", "OIDC_SECRET": "oidc-Secret-2"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def env_for(db, cache, database: str, **extra) -> dict[str, str]:
    return {
        "HOST": "https://wandb.fixture.test",
        "MYSQL": db.url(database),
        "REDIS": cache.url(ca_cert_path=REDIS_CA),
        **extra,
    }


def ca_files(db, cache) -> dict[str, bytes]:
    return {MYSQL_CA: db.ca.cert_pem, REDIS_CA: cache.ca.cert_pem}


def schema_rows(db, database: str) -> list[tuple[int, int]]:
    with db.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT version, dirty FROM schema_migrations")
        return [tuple(row) for row in cur.fetchall()]


@pytest.fixture
def database(request, mariadb):
    return mariadb.create_database("fx_" + request.node.name.removeprefix("test_")[:40])


def test_ready_with_exact_wiring(fixture_images, mariadb, redis_tls, database):
    env = env_for(
        mariadb,
        redis_tls,
        database,
        MYSQL=mariadb.url(database, tls="true"),
        MYSQL_CA_CERT_PATH=MYSQL_CA,
        REDIS=redis_tls.url(ca_cert_path=REDIS_CA, ttl=3600),
        OIDC_ISSUER="https://idp.fixture.test/realms/wandb",
        OIDC_CLIENT_ID="wandb",
        OIDC_AUTH_METHOD="pkce",
        EXTRA_FLAG="on",
        **SECRETS,
    )
    files = {**ca_files(mariadb, redis_tls), CUSTOM_CA: mariadb.ca.cert_pem}
    with servers.fixture_container("0.83.0", env, files=files) as fx:
        fx.wait_ready(60)
        status, raw = fx.get("/_fixture/config")
        assert status == 200
        for secret in [mariadb.password, redis_tls.password, *SECRETS.values()]:
            assert secret not in raw
        cfg = fx.json("/_fixture/config")
        assert cfg["errors"] == [] and cfg["version"] == "0.83.0"
        mysql = cfg["mysql"]
        assert (mysql["host"], mysql["port"], mysql["user"]) == (mariadb.ip, 3306, "wandb")
        assert (mysql["database"], mysql["tls"], mysql["ca_cert_path"]) == (
            database,
            "true",
            MYSQL_CA,
        )
        assert mysql["password"] == "***"
        assert mysql["password_sha256"] == sha(mariadb.password)
        cache = cfg["redis"]
        assert (cache["host"], cache["tls"], cache["ttl_in_seconds"]) == (redis_tls.ip, True, 3600)
        assert cache["ca_cert_path"] == REDIS_CA and cache["username"] is None
        assert cache["password_sha256"] == sha(redis_tls.password)
        assert cfg["license"] == "***" and cfg["oidc"]["secret"] == "***"
        assert cfg["oidc"]["auth_method"] == "pkce"
        assert cfg["extra_env"] == {"EXTRA_FLAG": "on"}
        assert cfg["custom_ca_certs"] == [CUSTOM_CA]
        assert cfg["uid"] == 999

        assert fx.exec("id", "-u") == (0, "999\n")
        assert fx.exec("stat", "-c", "%u", "/vol/fixture-state.json") == (0, "999\n")
        assert fx.get("/healthz")[0] == 200
        metrics = fx.get("/metrics", port=8181)[1]
        assert "wandb_fixture_ready 1" in metrics
        assert "wandb_fixture_schema_version 83" in metrics
        assert "Migrating database..." in fx.logs()
        assert schema_rows(mariadb, database) == [(83, 0)]
        # The TTL from the URL reached Redis, over TLS with the password.
        assert 0 < redis_tls.client().ttl("wandb_fixture:last_ready") <= 3600


def test_upgrade_then_downgrade_is_refused(fixture_images, mariadb, redis_tls, database):
    env = env_for(mariadb, redis_tls, database)
    files = ca_files(mariadb, redis_tls)
    with servers.fixture_container("0.83.0", env, files=files) as fx:
        fx.wait_ready(60)
    assert schema_rows(mariadb, database) == [(83, 0)]

    with servers.fixture_container("0.84.0", env, files=files) as fx:
        fx.wait_ready(60)
        state = fx.json("/_fixture/state")
        assert (state["schema_version"], state["db_schema_version"]) == (84, 84)
        assert "migrating schema from version 83 to 84" in fx.logs()
    assert schema_rows(mariadb, database) == [(84, 0)]

    with servers.fixture_container("0.83.0", env, files=files, wait_http=False) as fx:
        assert fx.wait_exit(60) != 0
        logs = fx.logs()
        assert "database schema version 84 is newer than this release (83)" in logs
        assert "downgrades are not supported" in logs
    assert schema_rows(mariadb, database) == [(84, 0)]


def test_dirty_schema_is_refused(fixture_images, mariadb, redis_tls, database):
    with mariadb.connect(database) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE schema_migrations (version BIGINT NOT NULL, dirty TINYINT(1) NOT NULL)"
        )
        cur.execute("INSERT INTO schema_migrations VALUES (84, 1)")
    env = env_for(mariadb, redis_tls, database)
    with servers.fixture_container(
        "0.84.0", env, files=ca_files(mariadb, redis_tls), wait_http=False
    ) as fx:
        assert fx.wait_exit(60) != 0
        assert "database schema version 84 is dirty" in fx.logs()


def test_broken_release_migrates_but_never_becomes_ready(
    fixture_images, mariadb, redis_tls, database
):
    env = env_for(mariadb, redis_tls, database)
    with servers.fixture_container("0.85.0", env, files=ca_files(mariadb, redis_tls)) as fx:
        state = fx.wait_state(lambda s: s["phase"] == "broken", 60)
        assert state["db_schema_version"] == 85 and not state["ready"]
        assert schema_rows(mariadb, database) == [(85, 0)]
        for _attempt in range(3):
            assert fx.get("/ready") == (503, "not ready: broken release\n")
            assert fx.get("/healthz")[0] == 200
            time.sleep(1)
        assert fx.status() == "running"


def test_bad_mysql_value_refuses_to_become_ready(fixture_images, mariadb, redis_tls, database):
    # The password in the URL is not percent-encoded: the classic wiring bug.
    bad = f"mysql://wandb:{mariadb.password}@{mariadb.ip}:3306/{database}"
    env = env_for(mariadb, redis_tls, database, MYSQL=bad)
    with servers.fixture_container("0.83.0", env, files=ca_files(mariadb, redis_tls)) as fx:
        status, body = fx.get("/ready")
        assert status == 503 and "MYSQL" in body
        assert [e["var"] for e in fx.json("/_fixture/config")["errors"]] == ["MYSQL"]
        assert "config error: MYSQL:" in fx.logs()
        assert fx.get("/healthz")[0] == 200 and fx.status() == "running"


def test_waits_for_a_late_database(fixture_images, mariadb, redis_tls):
    name = "fx_late_database"
    env = env_for(mariadb, redis_tls, name)
    with servers.fixture_container("0.83.0", env, files=ca_files(mariadb, redis_tls)) as fx:
        state = fx.wait_state(lambda s: s["last_errors"], 30)
        assert state["phase"] == "mysql" and fx.get("/ready")[0] == 503
        mariadb.create_database(name)
        fx.wait_ready(60)
        assert "retrying in" in fx.logs()


def test_redis_tls_is_verified(fixture_images, mariadb, redis_tls, database):
    """A CA that did not sign the server's certificate must keep it not-ready."""
    other_ca = make_ca("some other CA")
    env = env_for(mariadb, redis_tls, database)
    files = {**ca_files(mariadb, redis_tls), REDIS_CA: other_ca.cert_pem}
    with servers.fixture_container("0.83.0", env, files=files) as fx:
        state = fx.wait_state(lambda s: s["phase"] == "redis" and s["last_errors"], 30)
        assert "certificate verify failed" in state["reason"]
        assert fx.get("/ready")[0] == 503


def test_redis_acl_user(fixture_images, fixture_network, mariadb, database):
    with servers.redis_container(network=fixture_network, tls=False, username="wandb") as cache:
        env = env_for(mariadb, cache, database, REDIS=cache.url())
        with servers.fixture_container("0.83.0", env) as fx:
            fx.wait_ready(60)
            assert fx.json("/_fixture/config")["redis"]["username"] == "wandb"
