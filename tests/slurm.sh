#!/bin/sh
# A real single-node Slurm cluster (issue 20): munged with a generated key,
# slurmctld and slurmd with a generated slurm.conf, everything in a temporary
# directory (SLURM_CONF), stopped afterwards.  scripts/slurm/submit-search
# submits a 4-task array of shards and the merge as a dependent job; the
# merged output equals the one-process run byte for byte.  When `oddity
# score` exists, scripts/slurm/submit-score scores 4 files on a 4-task array
# and each output equals `oddity score` run directly.
# Skips (77) where the daemons cannot start: not root, no slurm-wlm/munge
# (scripts/setup installs them), or a cluster that does not come up.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
top=$(cd "$top" && pwd)
skip() { echo "1..0 # SKIP $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the Slurm daemons need root here (run as root, e.g. in CI)"
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$c" > /dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || skip "no $c (apt-get install slurm-wlm munge, or scripts/setup as root)"
done
PATH=$PATH:/usr/sbin
tmp=$(mktemp -d /tmp/oddity-slurm.XXXXXX)   # short: the munge socket path must fit sun_path
chmod 755 "$tmp"
export SLURM_CONF="$tmp/slurm.conf"
stop() {
  if [ -f "$tmp/slurmctld.pid" ] || [ -f "$tmp/slurmd.pid" ]; then
    scontrol shutdown > /dev/null 2>&1
    i=0
    while [ $i -lt 50 ] && { kill -0 "$(cat "$tmp/slurmctld.pid" 2>/dev/null)" 2>/dev/null ||
                             kill -0 "$(cat "$tmp/slurmd.pid" 2>/dev/null)" 2>/dev/null; }; do
      sleep 0.1; i=$((i+1))
    done
    for p in slurmctld slurmd; do
      pid=$(cat "$tmp/$p.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
    done
  fi
  [ -S "$tmp/munge/sock" ] && munged -s --socket="$tmp/munge/sock" > /dev/null 2>&1
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

# munge: a generated key, our own socket
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/key" bs=1024 count=1 2>/dev/null && chmod 400 "$tmp/munge/key"
munged -f --key-file="$tmp/munge/key" --socket="$tmp/munge/sock" --pid-file="$tmp/munge/pid" \
  --log-file="$tmp/munge/log" --seed-file="$tmp/munge/seed" > "$tmp/munge/out" 2>&1 ||
  skip "munged did not start: $(tail -n 1 "$tmp/munge/log" "$tmp/munge/out" 2>/dev/null | tr '\n' ' ')"

# slurm.conf: one node, ports and names of our own so clusters of parallel
# test runs do not meet
host=$(hostname -s 2>/dev/null || hostname)
port=$((20000 + ($$ % 10000) * 2))
node=oddity$$
cat > "$SLURM_CONF" <<EOF
ClusterName=oddity$$
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MailProg=/bin/true
NodeName=$node NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=10 State=UP OverSubscribe=FORCE:4
EOF
slurmctld -c > "$tmp/slurmctld.out" 2>&1 || skip "slurmctld did not start: $(tail -n 2 "$tmp/slurmctld.out" "$tmp/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
slurmd -N "$node" > "$tmp/slurmd.out" 2>&1 || skip "slurmd did not start: $(tail -n 2 "$tmp/slurmd.out" "$tmp/slurmd.log" 2>/dev/null | tr '\n' ' ')"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
  i=$((i+1))
  [ $i -lt 100 ] || skip "the node did not come up in 10 s: $(tail -n 2 "$tmp/slurmd.log" "$tmp/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
  sleep 0.1
done

n=0
failed=0
check() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
# wait for jobs to leave the queue (at most $2 s)
wait_jobs() {
  i=0
  while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i+1)); done
  [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]
}
check 0 "a single-node cluster is up ($(sinfo -h -o '%P %D %T' | head -n 1), slurm $(sinfo -V | cut -d' ' -f2))"

cd "$tmp/work" || exit 1
cat > search.odd <<EOF
set seed=7
load $top/sample-data/blobs.csv
split train=0.7 test=0.3 stratify=yes
scale zscore
search kmeans k=2..7 folds=3 metric=ap as km
metrics km
save model km to=km.oddm
EOF
"$bin" --no-journal --no-times -f search.odd > single.txt 2>&1
check $? "the one-process search"
rm -f km.oddm
export ODDITY_NO_TIMES=1   # the jobs print no timings, as --no-times
ids=$(ODDITY="$bin" ODDITY_SCRIPT=search.odd ODDITY_SHARDS=4 ODDITY_RESULT=merged.txt \
      "$top/scripts/slurm/submit-search" --output="$tmp/work/%x-%A_%a.log" 2>&1)
check $? "submit-search: $(echo $ids)"
array=$(echo "$ids" | sed -n 's/^array //p')
merge=$(echo "$ids" | sed -n 's/^merge //p')
wait_jobs "$array,$merge" 40
check $? "the array and the merge ran within 40 s"
ok=0
[ "$(find parts -type f | wc -l)" = 4 ] || ok=1
for I in 1 2 3 4; do [ -f "parts/km.part-$I-of-4" ] || ok=1; done
check $ok "the 4 tasks wrote km.part-1-of-4 .. km.part-4-of-4"
grep -q '^search kmeans: shard 3 of 4: ' oddity-search-*_3.log 2>/dev/null
check $? "task 3 ran shard 3 of 4"
[ -s merged.txt ] && cmp -s single.txt merged.txt
check $? "the merged leaderboard, best run and metrics equal the one-process run byte for byte"
[ -f km.oddm ]
check $? "the merge job ran the lines after the search (save model)"
[ $failed = 0 ] || { sed 's/^/# /' oddity-*.log "$tmp/slurmctld.log" 2>/dev/null | tail -n 20; }

# scoring many files on an array: 6 files on 4 tasks (task 1 takes files 1
# and 5, task 2 files 2 and 6, ...), each output equal to `oddity score`
# run directly.  Needs `oddity score` (issue 20, h-score); until the build
# has it, a stand-in scorer with the same interface (row,score CSV on
# standard output) checks what the job script itself does.
for I in 1 2 3 4 5 6; do
  { head -n 1 "$top/sample-data/blobs.csv"; sed -n "$((2 + (I - 1) * 500)),$((1 + I * 500))p" "$top/sample-data/blobs.csv"; } > "in$I.csv"
  echo "$tmp/work/in$I.csv"
done > files.txt
# (oddity --help exits 0 too: the guard looks for score's own --model)
if "$bin" score --help 2>/dev/null | grep -q -- '--model'; then
  scorer=$bin
  model=km.oddm
  what="oddity score"
else
  echo "# oddity score is not in this build yet (oddity score --help shows no --model): the scoring array runs a stand-in"
  scorer=$tmp/work/stand-in
  printf '%s\n' '#!/bin/sh' \
    '# stand-in for `oddity score --model M FILE`: row,score with score = the first column' \
    '[ "$1" = score ] && [ "$2" = --model ] && [ -f "$3" ] || exit 2' \
    'awk -F, '"'"'NR == 1 { print "row,score"; next } { print NR - 2 "," $1 }'"'"' "$4"' > "$scorer"
  chmod +x "$scorer"
  model=km.oddm.stand-in
  : > "$model"
  what="a stand-in for oddity score"
fi
ids=$(ODDITY="$scorer" ODDITY_MODEL=$model ODDITY_FILES=files.txt ODDITY_OUT=scores ODDITY_TASKS=4 \
      "$top/scripts/slurm/submit-score" --output="$tmp/work/%x-%A_%a.log" 2>&1)
check $? "submit-score: $(echo $ids)"
wait_jobs "$(echo "$ids" | sed -n 's/^array //p')" 40
check $? "the scoring array ran within 40 s"
ok=0
for I in 1 2 3 4 5 6; do
  "$scorer" score --model $model "in$I.csv" > "direct$I.csv" 2>/dev/null && [ -s "direct$I.csv" ] &&
    cmp -s "direct$I.csv" "scores/in$I.scores.csv" || ok=1
done
check $ok "6 files scored by 4 tasks equal $what run directly, byte for byte"
grep -q 'task 1: .*in5.csv -> scores/in5.scores.csv' oddity-score-*_1.log && ! ls scores | grep -q tmp
check $? "task 1 scored files 1 and 5; no temporary file is left"
[ $failed = 0 ] || { sed 's/^/# /' oddity-score-*.log 2>/dev/null | tail -n 20; }
echo "1..$n"
