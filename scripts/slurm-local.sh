#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep tests and for trying sweeps without
# a real cluster: `scripts/slurm-local.sh start` (as root) writes a munge key and a slurm.conf,
# starts munged, slurmctld and slurmd on localhost and waits until the node is idle;
# `scripts/slurm-local.sh stop` ends those daemons by their pid files. Needs Debian's `slurm-wlm`
# and `munge` packages. No systemd and no cgroups: processes are tracked through /proc
# (proctrack/linuxproc) and tasks are not confined (task/none).
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
STATE=/var/lib/slurm-local
RUN=/run/slurm-local
LOGS=/var/log/slurm-local
MARKER='# written by dsoftmax-studio scripts/slurm-local.sh'

die() {
  echo "slurm-local: $*" >&2
  exit 1
}

pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

write_config() {
  # Another slurm.conf belongs to a real installation: never overwrite it.
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script; not touching it"
  fi
  local host cpus mem_kib real_mem
  host=$(hostname -s)
  cpus=$(nproc --all)
  mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  # slurmd refuses to register a node that claims more memory than it has: stay well below it.
  real_mem=$((mem_kib / 1024 * 3 / 4))
  mkdir -p "$CONF_DIR" "$STATE/ctld" "$STATE/d" "$RUN" "$LOGS"
  cat >"$CONF.tmp" <<EOF
$MARKER
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
# Finished jobs stay visible to scontrol for 10 minutes (the default is 5).
MinJobAge=600
KillWait=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
  mv "$CONF.tmp" "$CONF"
}

start_munge() {
  if pid_alive /run/munge/munged.pid; then return; fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  # Only a munged this script started is stopped by `stop`.
  touch "$RUN/munged.started"
  munge -n | unmunge >/dev/null || die "munge does not work (see /var/log/munge/munged.log)"
}

wait_idle() {
  local state=''
  for _ in $(seq 1 60); do
    state=$(sinfo --noheader --format=%t 2>/dev/null | head -n1 || true)
    case "$state" in
      idle | mix | alloc) return 0 ;;
    esac
    sleep 0.5
  done
  die "the node did not become idle within 30 s (sinfo says '${state:-nothing}'; see $LOGS/)"
}

start() {
  [ "$(id -u)" = 0 ] || die "start needs root (it writes $CONF and starts daemons)"
  command -v slurmctld >/dev/null || die "slurmctld is missing: apt-get install slurm-wlm munge"
  command -v munged >/dev/null || die "munged is missing: apt-get install munge"
  write_config
  mkdir -p "$RUN"
  start_munge
  pid_alive "$RUN/slurmctld.pid" || /usr/sbin/slurmctld
  pid_alive "$RUN/slurmd.pid" || /usr/sbin/slurmd
  wait_idle
  # A node left down or drained by an earlier, unclean stop is put back into service.
  scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
  echo "slurm-local: node $(hostname -s) idle; config $CONF, logs $LOGS"
}

stop_daemon() {
  local file=$1 pid
  pid_alive "$file" || return 0
  pid=$(cat "$file")
  kill "$pid"
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  stop_daemon "$RUN/slurmd.pid"
  stop_daemon "$RUN/slurmctld.pid"
  if [ -f "$RUN/munged.started" ]; then
    stop_daemon /run/munge/munged.pid
    rm -f "$RUN/munged.started"
  fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
