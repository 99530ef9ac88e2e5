#!/bin/sh
# run_one.sh OUTPREFIX HIVEHUNT ARGS...: runs one hivehunt command and keeps
# its exit code, stdout, stderr and wall time in OUTPREFIX.{rc,out,err,ms}
# (the hostile spec runs many of these in parallel through xargs).
out=$1
shift
start=$(date +%s%N)
"$@" >"$out.out" 2>"$out.err"
echo $? >"$out.rc"
end=$(date +%s%N)
echo $(( (end - start) / 1000000 )) >"$out.ms"
