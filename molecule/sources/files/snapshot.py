"""Print one line per file system entry of this host: what a run that changed
nothing must leave as it was. Files by size and modification time, directories
and links by their presence, owner and mode (a directory's own time only moves
when an entry comes or goes, which the entries' lines already show). Skipped:
kernel and runtime file systems, temporary directories, the journal and what
Ansible's own connection leaves under /root/.ansible, and apt's planner log
(eipp.log.xz: apt writes what it was asked to plan there, simulations
included)."""

import os
import stat
import sys

SKIP = {
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/tmp",  # noqa: S108 (a directory skipped, not used)
    "/var/tmp",  # noqa: S108 (a directory skipped, not used)
    "/var/log/journal",
    "/root/.ansible",
    "/var/log/apt/eipp.log.xz",
}


def main() -> int:
    out = []
    for top, dirs, files in os.walk("/", topdown=True):
        dirs[:] = sorted(d for d in dirs if os.path.join(top, d) not in SKIP)
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(top, name)
            if path in SKIP:
                continue
            try:
                info = os.lstat(path)
            except FileNotFoundError:  # gone since the directory was read
                continue
            line = f"{path} {stat.filemode(info.st_mode)} {info.st_uid}:{info.st_gid}"
            if stat.S_ISREG(info.st_mode):
                line += f" {info.st_size} {info.st_mtime_ns}"
            elif stat.S_ISLNK(info.st_mode):
                line += f" -> {os.readlink(path)}"
            out.append(line)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
