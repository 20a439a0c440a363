"""Copies off the host: an S3-compatible bucket and/or another host over SSH.

Layout at the target, per backup: ``<prefix>/<name>/<file>`` (``.gpg`` added
when encrypted) and, written last, ``OFFHOST.json`` listing every object with
the SHA-256 of what was stored. A copy without ``OFFHOST.json`` is incomplete
(S3 has no atomic rename; over SSH the directory is also built under a
temporary name and renamed). Nothing is ever deleted at the target: give the
backup's credentials write-only rights and expire old copies with the
target's own rules (an S3 lifecycle rule), so a compromised W&B host cannot
erase its history.

Encryption (optional) is OpenPGP symmetric (gpg, AES-256) with a passphrase
file on this host: the key never travels with the copy, and any gpg decrypts
it (``gpg --decrypt``) given the key from your vault.
"""

import configparser
import contextlib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time

from .errors import JobError
from .proc import CHUNK, Pipeline

MARKER = "OFFHOST.json"


class _HashingReader(object):
    """A file-like reader that hashes and counts what passes through it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.raw.read(CHUNK if n is None or n < 0 else n)
        self.sha.update(data)
        self.size += len(data)
        return data


class Session(object):
    """What one job's copies share: gpg's private home (its agent starts once, which
    takes seconds) and SSH's master connection. Close it when done."""

    def __init__(self, cfg):
        self.cfg = cfg
        self._home = None
        self.ssh_control = os.path.join(cfg["runtime_dir"], "ssh-%C")
        self.ssh_used = []

    @property
    def gnupg_home(self):
        if self._home is None:
            self._home = tempfile.mkdtemp(prefix="gnupg-", dir=self.cfg["runtime_dir"])
        return self._home

    def close(self):
        for argv in self.ssh_used:
            # A master that does not answer ends with ControlPersist anyway.
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(argv, capture_output=True, check=False, timeout=30)  # noqa: S603
        if self._home:
            _forget_gnupg_home(self._home)
            self._home = None


class _Source(object):
    """A backup file as stored off the host: plain, or encrypted on the fly by gpg."""

    def __init__(self, session, path):
        cfg = session.cfg
        self.path = path
        key = cfg["offhost"].get("encryption_key_file")
        self.encrypted = bool(key)
        self.name = os.path.basename(path) + (".gpg" if self.encrypted else "")
        self._pipe = None
        self._file = None
        if self.encrypted:
            argv = [
                "gpg",
                "--homedir",
                session.gnupg_home,
                "--batch",
                "--quiet",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase-file",
                key,
                "--symmetric",
                "--cipher-algo",
                "AES256",
                "--compress-algo",
                "none",
                "--output",
                "-",
                path,
            ]
            self._pipe = Pipeline([argv])
            self.reader = _HashingReader(self._pipe.stdout)
        else:
            self._file = open(path, "rb")  # noqa: SIM115 - closed in close(), after the upload
            self.reader = _HashingReader(self._file)

    def close(self, ok=True):
        try:
            if self._pipe is not None:
                if ok:
                    self._pipe.wait("encrypting %s" % os.path.basename(self.path))
                else:
                    self._pipe.kill()
        finally:
            if self._file is not None:
                self._file.close()


def _forget_gnupg_home(home):
    """gpg starts an agent for its private home; stop it and remove the home."""
    argv = ["gpgconf", "--homedir", home, "--kill", "all"]
    subprocess.run(argv, capture_output=True, check=False)  # noqa: S603
    shutil.rmtree(home, ignore_errors=True)


def _decrypt_argv(cfg, home, out_path):
    return [
        "gpg",
        "--homedir",
        home,
        "--batch",
        "--quiet",
        "--no-tty",
        "--pinentry-mode",
        "loopback",
        "--passphrase-file",
        cfg["offhost"]["encryption_key_file"],
        "--decrypt",
        "--output",
        out_path,
        "-",
    ]


def _files_of(backup_path):
    names = sorted(e.name for e in os.scandir(backup_path) if e.is_file() and e.name != "DAMAGED")
    return [os.path.join(backup_path, n) for n in names]


def _marker(name, objects, encrypted):
    return json.dumps(
        {"name": name, "encrypted": encrypted, "objects": objects, "uploaded_at": time.time()},
        indent=2,
        sort_keys=True,
    ).encode()


# --- S3 -----------------------------------------------------------------------
def _denied(e):
    code = getattr(e, "response", {}).get("Error", {}).get("Code")
    return code in ("403", "AccessDenied", "Forbidden")


class S3Target(object):
    label = "s3"

    def __init__(self, session):
        self.session = session
        self.cfg = cfg = session.cfg
        self.s3 = cfg["offhost"]["s3"]
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise JobError(
                "python3-boto3 is not installed (the backup role installs it with wandb_backup_s3)"
            ) from None
        creds = configparser.RawConfigParser()
        if not creds.read(self.s3["credentials_file"]):
            raise JobError("cannot read the S3 credentials file %s" % self.s3["credentials_file"])
        section = creds["wandb-backup"] if creds.has_section("wandb-backup") else {}
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.s3.get("endpoint_url") or None,
            region_name=self.s3.get("region") or "us-east-1",
            aws_access_key_id=section.get("aws_access_key_id"),
            aws_secret_access_key=section.get("aws_secret_access_key"),
            verify=self.s3.get("ca_bundle") or True,
            config=Config(
                connect_timeout=int(self.s3.get("connect_timeout", 10)),
                read_timeout=120,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": self.s3.get("addressing_style", "path")},
                signature_version="s3v4",
            ),
        )
        self.bucket = self.s3["bucket"]
        self.prefix = self.s3.get("prefix", "").strip("/")

    def _key(self, name, obj):
        return "/".join(p for p in (self.prefix, name, obj) if p)

    def describe(self):
        return "s3://%s/%s" % (self.bucket, self.prefix)

    def _error(self, e):
        # botocore's messages name the bucket and operation, never the credentials.
        return "%s: %s" % (type(e).__name__, e)

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as e:
            # A write-only key (PutObject only, as the role README advises) may not
            # read the bucket: the upload itself is then the test.
            if _denied(e):
                return
            raise JobError(
                "the bucket %s is not usable: %s" % (self.describe(), self._error(e))
            ) from None

    def has(self, name):
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name, MARKER))
            return True
        except Exception as e:
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            # Denied: a write-only key cannot look; upload again (same bytes).
            if code in ("404", "NoSuchKey", "NotFound") or _denied(e):
                return False
            raise JobError(
                "cannot look up %s at %s: %s" % (name, self.describe(), self._error(e))
            ) from None

    def upload(self, name, backup_path):
        objects, encrypted = {}, False
        for path in _files_of(backup_path):
            src = _Source(self.session, path)
            encrypted = src.encrypted
            ok = False
            try:
                self.client.upload_fileobj(src.reader, self.bucket, self._key(name, src.name))
                ok = True
            except JobError:
                raise
            except Exception as e:
                raise JobError(
                    "uploading %s to %s failed: %s" % (src.name, self.describe(), self._error(e))
                ) from None
            finally:
                src.close(ok)
            objects[src.name] = {"size": src.reader.size, "sha256": src.reader.sha.hexdigest()}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(name, MARKER),
                Body=_marker(name, objects, encrypted),
            )
        except Exception as e:
            raise JobError(
                "writing %s to %s failed: %s" % (MARKER, self.describe(), self._error(e))
            ) from None

    def read(self, name, obj, out):
        """Streams an object into the file object ``out``; returns its SHA-256."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(name, obj))["Body"]
        except Exception as e:
            raise JobError(
                "reading %s/%s from %s failed: %s" % (name, obj, self.describe(), self._error(e))
            ) from None
        sha = hashlib.sha256()
        for chunk in iter(lambda: body.read(CHUNK), b""):
            sha.update(chunk)
            out.write(chunk)
        return sha.hexdigest()


# --- SSH ----------------------------------------------------------------------
class SSHTarget(object):
    label = "ssh"

    def __init__(self, session):
        self.session = session
        self.cfg = cfg = session.cfg
        self.ssh = cfg["offhost"]["ssh"]
        self.path = self.ssh["path"].rstrip("/") or "/"

    def describe(self):
        return "%s@%s:%s" % (self.ssh["user"], self.ssh["host"], self.path)

    def _options(self):
        s = self.ssh
        return [
            "-F", "/dev/null", "-i", s["key_file"], "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=%s" % s["known_hosts_file"],
            "-o", "ConnectTimeout=%d" % int(s.get("connect_timeout", 10)),
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
            # One connection for every file of the job.
            "-o", "ControlMaster=auto", "-o", "ControlPath=%s" % self.session.ssh_control,
            "-o", "ControlPersist=120",
            "-p", str(s.get("port", 22)),
        ]  # fmt: skip

    def _argv(self, command):
        s = self.ssh
        dest = "%s@%s" % (s["user"], s["host"])
        stop = ["ssh", *self._options(), "-O", "exit", dest]
        if stop not in self.session.ssh_used:
            self.session.ssh_used.append(stop)
        return ["ssh", *self._options(), dest, command]

    def _run(self, command, what):
        try:
            done = subprocess.run(  # noqa: S603 - ssh with the job's fixed options
                self._argv(command), capture_output=True, text=True, timeout=600, check=False
            )
        except subprocess.TimeoutExpired:
            raise JobError(
                "%s at %s did not finish in 600 s (the host or network hangs)"
                % (what, self.describe())
            ) from None
        if done.returncode != 0:
            raise JobError(
                "%s at %s failed: %s"
                % (what, self.describe(), (done.stderr or done.stdout).strip()[-500:])
            )
        return done.stdout

    def check(self):
        self._run(
            "test -d %s -a -w %s" % (shlex.quote(self.path), shlex.quote(self.path)),
            "checking the directory",
        )

    def has(self, name):
        out = self._run(
            "test -f %s && echo yes || echo no"
            % shlex.quote("%s/%s/%s" % (self.path, name, MARKER)),
            "looking up %s" % name,
        )
        return out.strip() == "yes"

    def upload(self, name, backup_path):
        final = "%s/%s" % (self.path, name)
        tmp = "%s/.tmp-%s" % (self.path, name)
        self._run(
            "rm -rf %s && mkdir -m 0700 %s" % (shlex.quote(tmp), shlex.quote(tmp)),
            "preparing %s" % tmp,
        )
        objects, encrypted = {}, False
        for path in _files_of(backup_path):
            src = _Source(self.session, path)
            encrypted = src.encrypted
            self._put(src, "%s/%s" % (tmp, src.name))
            objects[src.name] = {"size": src.reader.size, "sha256": src.reader.sha.hexdigest()}
        sums = "".join("%s  %s\n" % (o["sha256"], n) for n, o in sorted(objects.items()))
        marker = _marker(name, objects, encrypted).decode()
        # The target checks what it stored before the copy gets its final name.
        self._run(
            "umask 077 && cd %s && printf %%s %s | sha256sum -c --quiet - && printf %%s %s > %s "
            "&& cd / && mv -T %s %s"
            % (
                shlex.quote(tmp),
                shlex.quote(sums),
                shlex.quote(marker),
                MARKER,
                shlex.quote(tmp),
                shlex.quote(final),
            ),
            "verifying and naming %s" % name,
        )

    def _put(self, src, remote_path):
        """Streams one (possibly encrypted) file into ``remote_path`` on the target."""
        proc = subprocess.Popen(  # noqa: S603 - ssh with the job's fixed options
            self._argv("umask 077 && cat > %s" % shlex.quote(remote_path)),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        err = []
        reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
        reader.start()
        ok = False
        try:
            for chunk in iter(lambda: src.reader.read(CHUNK), b""):
                proc.stdin.write(chunk)
            proc.stdin.close()
            ok = proc.wait() == 0
        except BrokenPipeError:
            proc.wait()
        finally:
            reader.join()
            src.close(ok)
        if not ok:
            raise JobError(
                "copying %s to %s failed: %s"
                % (
                    src.name,
                    self.describe(),
                    b"".join(err).decode("utf-8", "replace").strip()[-500:],
                )
            )

    def read(self, name, obj, out):
        proc = subprocess.Popen(  # noqa: S603 - ssh with the job's fixed options
            self._argv("cat %s" % shlex.quote("%s/%s/%s" % (self.path, name, obj))),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        sha = hashlib.sha256()
        for chunk in iter(lambda: proc.stdout.read(CHUNK), b""):
            sha.update(chunk)
            out.write(chunk)
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0:
            raise JobError(
                "reading %s/%s from %s failed: %s" % (name, obj, self.describe(), err[-500:])
            )
        return sha.hexdigest()


def targets(cfg):
    o = cfg.get("offhost") or {}
    found = []
    if o.get("s3"):
        found.append(("s3", S3Target))
    if o.get("ssh"):
        found.append(("ssh", SSHTarget))
    return found


def fetch(target, name, dest_dir):
    """Brings a copy back into dest_dir (decrypted), checking every object against the marker."""
    cfg = target.cfg
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as buf:
        target.read(name, MARKER, buf)
        buf.seek(0)
        raw = buf.read()
    try:
        marker = json.loads(raw.decode())
    except ValueError:
        raise JobError(
            "%s of %s at %s is not valid JSON" % (MARKER, name, target.describe())
        ) from None
    encrypted = bool(marker.get("encrypted"))
    if encrypted and not cfg["offhost"].get("encryption_key_file"):
        raise JobError("%s was encrypted; set wandb_backup_encryption_key to decrypt it" % name)
    for obj, meta in sorted(marker.get("objects", {}).items()):
        plain = obj[: -len(".gpg")] if encrypted else obj
        if "/" in plain or plain.startswith("."):
            raise JobError("%s lists an unexpected object %s" % (MARKER, obj))
        staged = os.path.join(dest_dir, plain + ".download")
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            digest = target.read(name, obj, out)
        if digest != meta.get("sha256"):
            raise JobError(
                "%s/%s at %s does not match its checksum" % (name, obj, target.describe())
            )
        final = os.path.join(dest_dir, plain)
        if encrypted:
            with open(staged, "rb") as src:
                pipe = Pipeline([_decrypt_argv(cfg, target.session.gnupg_home, final)], stdin=src)
                pipe.stdout.read()
                pipe.wait(
                    "decrypting %s (is wandb_backup_encryption_key the key it was made with?)" % obj
                )
            os.chmod(final, 0o600)
            os.unlink(staged)
        else:
            os.rename(staged, final)
