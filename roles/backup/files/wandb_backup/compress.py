"""The compressor (zstd, chosen by measurement: see the role README) and the checks.

Every compressed file is checked before its backup counts. While it is
written, each byte goes to the file, into a SHA-256 and into a decompressor,
so the whole stream is proven to decompress and to end the way its producer
ends a complete run (mysqldump's completion line, a tar listing) without a
second pass after the dump. Then the file is hashed again as read back from
disk, and must equal what was written.
"""

import contextlib
import hashlib
import subprocess
import threading

from .errors import JobError
from .proc import CHUNK, Pipeline


def compress_argv(cfg):
    c = cfg["compression"]
    return [
        c.get("tool", "zstd"),
        "-q",
        "-%d" % int(c.get("level", 1)),
        "-T%d" % int(c.get("threads", 1)),
        "-c",
    ]


def decompress_argv(cfg):
    return [cfg["compression"].get("tool", "zstd"), "-q", "-d", "-c"]


class VerifiedWriter(object):
    """Writes a compressed stream to ``out`` while hashing it and decompressing a copy.

    ``pump(src, on_error)`` copies in its own thread; a write error (a full
    disk) calls ``on_error`` so the producer is stopped rather than left
    blocked on a pipe nobody reads. ``failure()`` is that error, if any;
    ``finish(what)`` waits and returns (sha256, size, tail), raising when the
    copy did not decompress.
    """

    def __init__(self, cfg, out, consumer=None, tail_bytes=512):
        self.out = out
        self.verifier = Pipeline(
            [decompress_argv(cfg)] + ([consumer] if consumer else []), stdin=subprocess.PIPE
        )
        self.sha = hashlib.sha256()
        self.size = 0
        self.tail = b""
        self.tail_bytes = tail_bytes
        self.errors = []
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self._pump = None
        self._on_error = None

    def _drain(self):
        try:
            for chunk in iter(lambda: self.verifier.stdout.read(CHUNK), b""):
                self.tail = (self.tail + chunk)[-self.tail_bytes :]
        except OSError as e:
            self.errors.append("reading the check: %s" % e.strerror)

    def _copy(self, src):
        sink = self.verifier.procs[0].stdin
        try:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                self.out.write(chunk)
                self.sha.update(chunk)
                self.size += len(chunk)
                if sink is not None:
                    try:
                        sink.write(chunk)
                    except BrokenPipeError:
                        self.errors.append("the check stopped reading early")
                        sink = None
            self.out.flush()
        except OSError as e:
            # A full disk, most often: the message names the cause.
            self.errors.append("writing: %s" % e)
            if self._on_error is not None:
                self._on_error()
        finally:
            if sink is not None:
                with contextlib.suppress(OSError):
                    sink.close()

    def pump(self, src, on_error=None):
        self._on_error = on_error
        self._pump = threading.Thread(target=self._copy, args=(src,), daemon=True)
        self._pump.start()

    def failure(self):
        """Waits for the copy; the write error that stopped it, or None."""
        if self._pump is not None:
            self._pump.join()
        return "; ".join(self.errors) or None

    def kill(self):
        self.verifier.kill()

    def finish(self, what):
        if self._pump is not None:
            self._pump.join()
        self._drainer.join()
        self.verifier.wait("checking %s as it was written" % what)
        if self.errors:
            raise JobError("%s: %s" % (what, "; ".join(self.errors)))
        return self.sha.hexdigest(), self.size, self.tail
