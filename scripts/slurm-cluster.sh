#!/usr/bin/env bash
# A throw-away one-node Slurm cluster on localhost, for tests. Made for a root shell in a
# container without systemd (Debian 12, Slurm 22.05); everything lives under STATE_DIR.
#   slurm-cluster.sh install          apt-get slurm-wlm and munge if they are missing
#   slurm-cluster.sh start STATE_DIR  (re)start munged, slurmctld and slurmd; prints the
#                                     `export SLURM_CONF=...` line (also in STATE_DIR/env.sh)
#   slurm-cluster.sh stop STATE_DIR   stop them again; fine to run when nothing is running
set -euo pipefail

# Set once start has begun, so that a failed start takes down what it did bring up.
started=""
trap '[[ $? -eq 0 || -z $started ]] || stop "$started"' EXIT

die() { echo "slurm-cluster: $*" >&2; exit 1; }

# die, showing the end of a daemon's log: the first line of an error is rarely enough.
die_log() {
    local log=$1; shift
    echo "slurm-cluster: $*" >&2
    [[ -f $log ]] && { echo "--- last lines of $log:" >&2; tail -n 20 "$log" >&2; }
    exit 1
}

install_packages() {
    local cmd missing=0
    for cmd in munged mungekey slurmctld slurmd sbatch sinfo; do
        command -v "$cmd" >/dev/null || missing=1
    done
    ((missing)) || return 0
    [[ $(id -u) -eq 0 ]] || die "install needs root (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # slurm-wlm pulls in slurmctld, slurmd and slurm-client (sbatch, squeue, sinfo).
    local pkgs=(slurm-wlm munge) log=/tmp/slurm-cluster-apt.log
    # The package lists are often already there; refreshing them is the slow part.
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$log" 2>&1 \
        || { apt-get update -qq >>"$log" 2>&1 \
             && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1; } \
        || die_log "$log" "apt-get install ${pkgs[*]} failed"
    rm -f "$log"
}

# Whether process $1 runs. A zombie does not: in a container, PID 1 may never reap it.
running() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z* ]]
}

# The pid in file $1 if it runs and is called $2 (a stale file may name a reused pid).
live_pid() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] && running "$pid" \
        && echo "$pid"
}

stop() {
    local dir=$1 name pid i
    # slurmd first, munged last: the Slurm daemons talk to munged while shutting down.
    for name in slurmd slurmctld munged; do
        pid=$(live_pid "$dir/run/$name.pid" "$name") || continue
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do           # up to 10 s, then insist
            running "$pid" || break
            sleep 0.1
        done
        if running "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            while running "$pid"; do sleep 0.1; done
        fi
    done
    rm -f "$dir"/run/*.pid "$dir/munge/munge.sock" "$dir/munge/munge.sock.lock"
}

# First port from $1 on that nothing on localhost listens to, so that a Slurm already
# running on the default ports (6817/6818) or a second test cluster does not clash.
free_port() {
    local p=$1
    while (: </dev/tcp/127.0.0.1/"$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# The daemons outlive this script: they must not keep the caller's descriptors open (a pipe
# whose reader waits for EOF, or the socket through which Foundation's Process learns that
# its child exited would then never close).
close_inherited_fds() {
    local fd
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null || true
    done
}

start() {
    local dir=$1
    stop "$dir"        # leftovers from an earlier start
    close_inherited_fds
    started=$dir
    # A stale controller state would bring back old jobs and node states: start from scratch,
    # keeping only the munge key.
    rm -rf "$dir"/{ctld,spool,log,run} "$dir/slurm.conf" "$dir/env.sh"
    # munged refuses a socket directory that others cannot enter, and a key directory
    # that others can write to: 0755 satisfies both.
    mkdir -p "$dir"/{ctld,spool,log,run} "$dir/munge"
    chmod 0755 "$dir" "$dir/munge"
    [[ -f $dir/munge/munge.key ]] || mungekey --create --keyfile="$dir/munge/munge.key"

    local sock=$dir/munge/munge.sock
    munged --socket="$sock" --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.pid" \
        --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
        || die_log "$dir/log/munged.log" "munged did not start"

    # slurmd -C prints this machine's NodeName=... CPUs=... RealMemory=... line; we keep all
    # but the name, since declaring more CPUs or memory than exist would drain the node.
    local node hw ctld_port slurmd_port
    node=$(hostname -s)
    hw=$(slurmd -C | head -n 1) || die "slurmd -C failed"
    hw=${hw#NodeName=* }
    ctld_port=$(free_port 6917)
    slurmd_port=$(free_port $((ctld_port + 1)))

    cat >"$dir/slurm.conf" <<EOF
ClusterName=rattest
# The controller must be this host (slurmctld checks its own name); talk over loopback.
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# We are root in a throw-away container: no slurm user to create.
SlurmUser=root
SlurmdUser=root
# Every daemon and client reads this file, so all of them find our munged here.
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# The default process tracker (proctrack/cgroup) needs a writable cgroup tree, which a
# container seldom has; linuxproc follows a job's processes through /proc instead.
# No CPU binding and no accounting: nothing here needs them, and they add moving parts.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# Hand out single cores, so that several one-CPU jobs (e.g. array tasks) run side by side.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Should slurmd ever be marked DOWN (say, slow to answer), it is usable again as soon as
# it registers, instead of waiting for an admin to resume it.
ReturnToService=2
# There is no /bin/mail here: a job asking for mail (sbatch --mail-type) would log errors.
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$dir/slurm.conf
    echo "export SLURM_CONF=$SLURM_CONF" >"$dir/env.sh"

    slurmctld -f "$SLURM_CONF" || die_log "$dir/log/slurmctld.log" "slurmctld did not start"
    slurmd -f "$SLURM_CONF" || die_log "$dir/log/slurmd.log" "slurmd did not start"

    # A clock rather than a count: each sinfo may itself wait for an unresponsive slurmctld.
    local state deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
        [[ $state == idle ]] && { cat "$dir/env.sh"; return 0; }
        live_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null \
            || die_log "$dir/log/slurmctld.log" "slurmctld exited"
        live_pid "$dir/run/slurmd.pid" slurmd >/dev/null \
            || die_log "$dir/log/slurmd.log" "slurmd exited"
        sleep 0.5
    done
    die_log "$dir/log/slurmd.log" "node $node not idle after 60 s (state: ${state:-none};" \
        "see also $dir/log/slurmctld.log)"
}

usage="usage: $0 install | start STATE_DIR | stop STATE_DIR"
case ${1:-}:${2:-} in
    install:) install_packages ;;
    # Slurm wants absolute paths in slurm.conf.
    start:?*) mkdir -p "$2"; start "$(cd "$2" && pwd)" ;;
    stop:?*) [[ ! -d $2 ]] || stop "$(cd "$2" && pwd)" ;;
    *) die "$usage" ;;
esac
