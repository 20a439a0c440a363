#!/bin/sh
# Builds the scenario's apt repositories under $1, served as they are over
# HTTP: empty stand-in packages under the names the roles install, indexed by
# apt-ftparchive and signed (InRelease and Release.gpg) with a key made here,
# exported where each role's key URL points. apt on the hosts checks that
# signature in the real install run of verify.yml, so the repositories are
# ones a real run accepts, not just names.
#
#   build-repo.sh ROOT SUITE
set -eu
root=$1
suite=$2
work=$(mktemp -d)
export GNUPGHOME="$work/gnupg"
mkdir -m 0700 "$GNUPGHOME"

gpg --batch --quiet --passphrase '' --quick-generate-key \
  'onprem.wandb test repository <repo@owt.invalid>' ed25519 sign 2d

# deb NAME VERSION REPO COMPONENT [POSTINST [UNIT]]
deb() {
  pkg="$work/$1"
  mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/doc/$1"
  if [ -n "${6:-}" ]; then
    mkdir -p "$pkg/lib/systemd/system"
    printf "$6\n" >"$pkg/lib/systemd/system/$1.service"
  fi
  cat >"$pkg/DEBIAN/control" <<CONTROL
Package: $1
Version: $2
Architecture: all
Maintainer: onprem.wandb tests <repo@owt.invalid>
Priority: optional
Section: misc
Description: empty stand-in for $1 (onprem.wandb check-mode test)
 Installs nothing but this description.
CONTROL
  echo "stand-in for $1" >"$pkg/usr/share/doc/$1/README"
  if [ -n "${5:-}" ]; then
    printf '#!/bin/sh\nset -e\n%s\n' "$5" >"$pkg/DEBIAN/postinst"
    chmod 0755 "$pkg/DEBIAN/postinst"
  fi
  mkdir -p "$root/$3/pool/$4"
  dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$root/$3/pool/$4/${1}_all.deb" >/dev/null
}

# index REPO COMPONENT: Packages, Release, InRelease, Release.gpg.
index() {
  dists="$root/$1/dists/$suite"
  mkdir -p "$dists/$2/binary-amd64"
  (cd "$root/$1" && apt-ftparchive packages "pool/$2") >"$dists/$2/binary-amd64/Packages"
  gzip -9nkf "$dists/$2/binary-amd64/Packages"
  apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=owt-test \
    -o APT::FTPArchive::Release::Suite="$suite" \
    -o APT::FTPArchive::Release::Codename="$suite" \
    -o APT::FTPArchive::Release::Architectures=amd64 \
    -o APT::FTPArchive::Release::Components="$2" \
    release "$dists" >"$work/Release"
  mv "$work/Release" "$dists/Release"
  gpg --batch --yes --clearsign -o "$dists/InRelease" "$dists/Release"
  gpg --batch --yes --armor --detach-sign -o "$dists/Release.gpg" "$dists/Release"
}

# Oracle's layout: <repo>/dists/<release>/mysql-8.4-lts.
deb mysql-community-server 8.4.99-owt1 mysql/apt/debian mysql-8.4-lts
deb mysql-community-client 8.4.99-owt1 mysql/apt/debian mysql-8.4-lts
index mysql/apt/debian mysql-8.4-lts

# Docker's layout: <repo>/dists/<release>/stable, its key at <repo>/gpg.
deb docker-ce 5:99.0.0-owt1 docker/linux/debian stable
deb docker-ce-cli 5:99.0.0-owt1 docker/linux/debian stable
deb containerd.io 99.0.0-owt1 docker/linux/debian stable
index docker/linux/debian stable

# packages.redis.io's versions carry epoch 6, above Debian's own redis-server,
# so a real run takes these. The group is what the redis role's install phase
# gives its TLS directory; the unit (an idle process) is what its handler
# restarts after writing the container drop-in.
deb redis-server 6:7.4.99-owt1 redis/deb main 'getent group redis >/dev/null || groupadd --system redis' \
  '[Service]\nExecStart=/bin/sleep infinity'
deb redis-tools 6:7.4.99-owt1 redis/deb main
index redis/deb main

mkdir -p "$root/keys"
gpg --batch --armor --export >"$root/keys/owt-test.asc"
cp "$root/keys/owt-test.asc" "$root/docker/linux/debian/gpg"
rm -rf "$work"
