#!/bin/sh
# Installs the incumbent supervisors that `npm run bench` compares kelpie against.
#   - s6, runit, supervisor: Debian packages (needs root). Their init scripts are NOT started:
#     the benchmark runs its own instances in a scratch directory.
#   - pm2: from npm into a scratch prefix, never into this project's node_modules.
# Usage: sh bench/setup.sh [SCRATCH]   (default scratch: /tmp/kelpie-bench)
# Re-running is harmless. Anything that cannot be installed is reported as "not installed"
# in the benchmark table.
set -u
SCRATCH="${1:-${KELPIE_BENCH_SCRATCH:-/tmp/kelpie-bench}}"
mkdir -p "$SCRATCH"

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO=""; fi

need=""
command -v s6-svscan >/dev/null 2>&1 || need="$need s6"
command -v runsvdir >/dev/null 2>&1 || need="$need runit"
command -v supervisord >/dev/null 2>&1 || need="$need supervisor"
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    echo "bench/setup.sh: not root and no sudo: skipping the Debian packages:$need" >&2
  else
    # Keep the packages' init scripts from starting a system-wide supervisord/runsvdir:
    # a policy-rc.d that denies every start (exit 101) for the duration of the install.
    restore=""
    if [ -e /usr/sbin/policy-rc.d ]; then
      restore="$SCRATCH/policy-rc.d.saved"
      $SUDO cp -p /usr/sbin/policy-rc.d "$restore"
    fi
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need \
      || echo "bench/setup.sh: apt-get install$need failed" >&2
    if [ -n "$restore" ]; then $SUDO cp -p "$restore" /usr/sbin/policy-rc.d; else $SUDO rm -f /usr/sbin/policy-rc.d; fi
  fi
fi

# pm2 into scratch; PM2_HOME also in scratch so no bare `pm2` ever touches ~/.pm2.
if [ ! -x "$SCRATCH/pm2/node_modules/.bin/pm2" ]; then
  mkdir -p "$SCRATCH/pm2"
  npm install --prefix "$SCRATCH/pm2" --no-audit --no-fund --loglevel=error pm2 \
    || echo "bench/setup.sh: npm install pm2 failed" >&2
fi

echo "installed:"
for t in s6-svscan s6-log runsvdir svlogd supervisord; do
  printf '  %-12s %s\n' "$t" "$(command -v $t || echo 'not installed')"
done
printf '  %-12s %s\n' pm2 "$( [ -x "$SCRATCH/pm2/node_modules/.bin/pm2" ] && echo "$SCRATCH/pm2/node_modules/.bin/pm2" || echo 'not installed')"
