#!/usr/bin/env bash
# A single-node SLURM cluster with accounting on this machine, to run the workflow through the
# SLURM executor plugin for real (tests/test_slurm.py) or to try profiles/slurm before a site's
# cluster. Debian or Ubuntu, as root, without systemd:
#
#   profiles/slurm/local-cluster.sh start   # installs the packages if missing, starts the daemons
#   profiles/slurm/local-cluster.sh stop    # stops the daemons this script started, by their pids
#
# The plugin follows jobs with `sacct` and looks up accounts with `sacctmgr`, so accounting is
# real: slurmdbd over MariaDB. Start order: munged, MariaDB, slurmdbd, the cluster's account,
# slurmctld, slurmd. It writes /etc/slurm/slurm.conf, cgroup.conf and slurmdbd.conf (refusing
# to replace a slurm.conf it did not write). Jobs go to partition `main` under account `hubshare`.
set -euo pipefail

CLUSTER=hubshare
ACCOUNT=hubshare
PARTITION=main
STATE=${HUBSHARE_SLURM_STATE:-/var/lib/hubshare-slurm}
CONF=/etc/slurm
MARK="# written by hubshare profiles/slurm/local-cluster.sh"
DB_PASSWORD=hubshare-slurm-accounting

log() { echo "local-cluster: $*" >&2; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "gave up waiting for $what; logs in $STATE"
  return 1
}

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmdbd >/dev/null && command -v munged >/dev/null &&
    command -v mariadbd >/dev/null; then
    return
  fi
  log "installing slurm-wlm munge slurmdbd mariadb-server"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge slurmdbd mariadb-server
}

write_configuration() {
  if [ -e "$CONF/slurm.conf" ] && ! grep -qF "$MARK" "$CONF/slurm.conf"; then
    log "$CONF/slurm.conf exists and was not written by this script; not replacing it"
    exit 1
  fi
  local node host
  host=$(hostname -s)
  # This machine's CPUs, sockets and memory as slurmd sees them, less 1 GiB for the daemons.
  node=$(slurmd -C | head -n 1 | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^RealMemory=/) { split($i, m, "="); $i = "RealMemory=" (m[2] - 1024) } print }')
  mkdir -p "$CONF" "$STATE"/{slurmctld,slurmd}
  cat >"$CONF/slurm.conf" <<CONF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
$node
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  # Slurm 22.05 knows no CgroupPlugin=disabled; autodetect without systemd lets slurmd start.
  cat >"$CONF/cgroup.conf" <<CONF
$MARK
CgroupPlugin=autodetect
IgnoreSystemd=yes
CONF
  cat >"$CONF/slurmdbd.conf" <<CONF
$MARK
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/slurmdbd.log
CONF
  chmod 600 "$CONF/slurmdbd.conf"
}

start_munge() {
  install -d -o munge -g munge /run/munge
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid 2>"$STATE/munged.log" || {
    cat "$STATE/munged.log" >&2
    return 1
  }
  wait_for 20 munged munge -n
}

start_mariadb() {
  install -d -o mysql -g mysql /run/mysqld
  nohup mariadbd --user=mysql --pid-file=/run/mysqld/mysqld.pid >"$STATE/mariadbd.log" 2>&1 &
  wait_for 60 MariaDB mariadb-admin ping
  mariadb <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL
}

start_slurm() {
  slurmdbd
  wait_for 60 slurmdbd sacctmgr -n show cluster
  sacctmgr -i add cluster "$CLUSTER" >/dev/null || true
  sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="hubshare workflow" >/dev/null || true
  sacctmgr -i add user root Account="$ACCOUNT" Cluster="$CLUSTER" >/dev/null || true
  slurmctld
  wait_for 60 slurmctld scontrol ping
  slurmd
  wait_for 60 "the node to be idle" sh -c "sinfo -h -N -o %T | grep -qx idle"
}

start() {
  [ "$(id -u)" = 0 ] || { log "run as root"; exit 1; }
  install_packages
  write_configuration
  start_munge
  start_mariadb
  start_slurm
  log "up: partition $PARTITION, account $ACCOUNT; stop with: $0 stop"
  sinfo
}

stop() {
  # Reverse start order; only the daemons whose pid files this script's configuration names.
  local file pid
  for file in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" "$STATE/slurmdbd.pid" /run/mysqld/mysqld.pid \
    /run/munge/munged.pid; do
    [ -s "$file" ] || continue
    pid=$(cat "$file")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      log "stopped $(basename "$file" .pid) ($pid)"
    fi
    rm -f "$file"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
