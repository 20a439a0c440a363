"""The compressor (zstd, chosen by measurement: see the role README) and the read-back check.

Every compressed file is read back from disk before its backup counts: the
bytes are hashed (the checksum recorded is of what is on disk, not of what was
meant to be written) and decompressed in the same pass, and the decompressed
stream must end the way its producer ends a complete run.
"""

import hashlib
import subprocess
import threading

from .errors import JobError
from .proc import CHUNK, Pipeline, feed_file


def compress_argv(cfg):
    c = cfg["compression"]
    return [
        c.get("tool", "zstd"),
        "-q",
        "-%d" % int(c.get("level", 3)),
        "-T%d" % int(c.get("threads", 1)),
        "-c",
    ]


def decompress_argv(cfg):
    return [cfg["compression"].get("tool", "zstd"), "-q", "-d", "-c"]


def read_back(cfg, path, consumer=None, tail_bytes=512):
    """Hashes ``path`` while decompressing it (into ``consumer`` argv if given).

    Returns (sha256, size, tail): tail is the last bytes of the decompressed
    stream (or of the consumer's output). Raises on any decompression error.
    """
    commands = [decompress_argv(cfg)] + ([consumer] if consumer else [])
    pipe = Pipeline(commands, stdin=subprocess.PIPE)
    hasher = hashlib.sha256()
    feeder, fed = feed_file(path, pipe.procs[0].stdin, hasher)
    tail = b""
    drained = {"error": None}

    def drain():
        nonlocal tail
        try:
            while True:
                chunk = pipe.stdout.read(CHUNK)
                if not chunk:
                    break
                tail = (tail + chunk)[-tail_bytes:]
        except OSError as e:
            drained["error"] = e.strerror

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    feeder.join()
    reader.join()
    pipe.wait("reading back %s" % path)
    if fed["error"] or drained["error"]:
        raise JobError("reading back %s failed: %s" % (path, fed["error"] or drained["error"]))
    return hasher.hexdigest(), fed["size"], tail
