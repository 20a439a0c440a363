# Shared helpers for the harness scripts (sourced, not run).
# shellcheck shell=bash
WANDB_TEST_IMAGE_PREFIX=${WANDB_TEST_IMAGE_PREFIX:-onprem-wandb-test}
WANDB_TEST_LABEL=${WANDB_TEST_LABEL:-onprem.wandb.test}

log() { printf '[harness %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# The first deb line or deb822 URIs entry of the machine's apt sources: the
# only Debian mirror this machine is known to reach.
debian_mirror() {
  local m=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || { log "no Debian mirror found in the apt sources"; return 1; }
  # Security mirrors carry no full suite.
  case $m in *-security*) log "first apt source is a security mirror: $m"; return 1 ;; esac
  printf '%s\n' "$m"
}
