"""Which MySQL and Redis passwords log in, from W&B's Docker network as W&B would.

Runs in the fixture image (pymysql, redis): reads JSON on stdin, {"mysql": {"host", "port",
"user", "passwords": {name: password}}, "redis": {"host", "port", "user", "ca",
"passwords": {...}}}, and prints {"mysql": {name: true|false}, "redis": {...}}: whether a new
connection logged in with it. Passwords never reach argv or the output.
"""

import json
import sys

import pymysql
import redis

spec = json.load(sys.stdin)
out = {"mysql": {}, "redis": {}}
m = spec["mysql"]
for name, password in m["passwords"].items():
    try:
        pymysql.connect(
            host=m["host"], port=m["port"], user=m["user"], password=password, connect_timeout=5
        ).close()
        out["mysql"][name] = True
    except pymysql.err.OperationalError:
        out["mysql"][name] = False
r = spec["redis"]
for name, password in r["passwords"].items():
    try:
        redis.Redis(
            host=r["host"],
            port=r["port"],
            username=r["user"],
            password=password,
            ssl=True,
            ssl_ca_certs=r["ca"],
            socket_timeout=5,
        ).ping()
        out["redis"][name] = True
    except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as e:
        if "WRONGPASS" not in str(e) and not isinstance(e, redis.exceptions.AuthenticationError):
            raise
        out["redis"][name] = False
print(json.dumps(out, sort_keys=True))
