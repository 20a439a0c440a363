"""Child processes: pipelines of tools, their exit codes and their complaints."""

import hashlib
import os
import subprocess
import tempfile

from .errors import JobError

CHUNK = 1 << 20


def tool_version(argv):
    """The first line a tool prints for its version, or why it could not."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except OSError as e:
        return "unavailable (%s)" % e.strerror
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


def _stderr_file():
    return tempfile.TemporaryFile(mode="w+b")


def _tail(f, limit=2000):
    f.seek(0)
    text = f.read().decode("utf-8", "replace").strip()
    return text[-limit:]


class Pipeline(object):
    """argv lists chained stdout to stdin; the last writes to ``out`` (a file object) or a pipe.

    Children inherit nothing secret: credentials reach them only through files
    named on their command lines (MySQL option files, gpg passphrase files).
    """

    def __init__(self, commands, stdin=None, out=None, env=None):
        self.commands = commands
        self.procs = []
        self.errs = []
        prev = stdin
        for i, argv in enumerate(commands):
            last = i == len(commands) - 1
            err = _stderr_file()
            try:
                proc = subprocess.Popen(  # noqa: S603 - the job's own fixed tool lines
                    argv,
                    stdin=prev if prev is not None else subprocess.DEVNULL,
                    stdout=(out if out is not None else subprocess.PIPE)
                    if last
                    else subprocess.PIPE,
                    stderr=err,
                    env=env,
                )
            except OSError as e:
                self.kill()
                raise JobError("cannot run %s: %s" % (argv[0], e.strerror)) from None
            if prev is not None and prev is not stdin:
                prev.close()
            self.procs.append(proc)
            self.errs.append(err)
            prev = proc.stdout
        self.stdout = self.procs[-1].stdout

    def kill(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            proc.wait()

    def alive(self):
        return any(p.poll() is None for p in self.procs)

    def wait(self, what, allowed=None):
        """Waits for every stage; raises naming each stage that failed, with its own words.

        All of them, because either end can be the cause: a full disk kills the
        writer and the dump then dies of a broken pipe; a corrupt archive fails
        the decompressor and the reader then sees a truncated stream.
        """
        codes = [p.wait() for p in self.procs]
        failed = [
            "%s exited with %s: %s"
            % (os.path.basename(self.commands[i][0]), rc, _tail(self.errs[i], 600) or "no message")
            for i, rc in enumerate(codes)
            if rc != 0 and rc not in (allowed or {}).get(i, ())
        ]
        if failed:
            raise JobError("%s failed: %s" % (what, "; ".join(failed)))
        self.codes = codes
        return [_tail(e) for e in self.errs]


def sha256_file(path):
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
