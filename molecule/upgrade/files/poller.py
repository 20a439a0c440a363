"""Polls a URL through the proxy until SIGTERM, then writes a summary as JSON.

Usage: poller.py URL CA_FILE SUMMARY_FILE [INTERVAL]

A new TLS connection per request, as a browser or the W&B SDK opening one
would. Counts answers by status, failures (anything but 200), answers that were
the maintenance page (503 with Retry-After and the page), 502s, and the longest
gap between two successful answers.
"""

import json
import os
import signal
import ssl
import sys
import time
import urllib.error
import urllib.request

url, ca, out = sys.argv[1], sys.argv[2], sys.argv[3]
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
ctx = ssl.create_default_context(cafile=ca)
stats = {
    "url": url,
    "requests": 0,
    "ok": 0,
    "failed": 0,
    "statuses": {},
    "maintenance": 0,
    "bad_gateway": 0,
    "longest_gap_s": 0.0,
    "first_failure": None,
    "started": time.time(),
}
running = True


def stop(*_args):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
last_ok = time.time()
while running:
    t = time.time()
    status, retry_after, body = None, None, ""
    try:
        with urllib.request.urlopen(url, timeout=5, context=ctx) as resp:  # noqa: S310 - https only
            status = resp.status
            body = resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status = e.code
        retry_after = e.headers.get("Retry-After")
        body = e.read(4096).decode("utf-8", "replace")
    # Every failure counts, whatever it is.
    except Exception as e:
        status = "error: %s" % type(e).__name__
    stats["requests"] += 1
    key = str(status)
    stats["statuses"][key] = stats["statuses"].get(key, 0) + 1
    if status == 200:
        stats["ok"] += 1
        stats["longest_gap_s"] = max(stats["longest_gap_s"], round(t - last_ok, 3))
        last_ok = t
    else:
        stats["failed"] += 1
        if stats["first_failure"] is None:
            stats["first_failure"] = {"at": t, "status": key, "body": body[:200]}
        if status == 503 and retry_after and "under maintenance" in body:
            stats["maintenance"] += 1
        if status == 502:
            stats["bad_gateway"] += 1
    time.sleep(max(0.0, interval - (time.time() - t)))
stats["longest_gap_s"] = max(stats["longest_gap_s"], round(time.time() - last_ok, 3))
stats["finished"] = time.time()
with open(out + ".tmp", "w", encoding="utf-8") as f:
    json.dump(stats, f)
os.replace(out + ".tmp", out)
