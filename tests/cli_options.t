#!/bin/sh
# cli_options.t — holo pack and holo stack read their options through one loop: the same
# answers to the same mistakes (a bad -b, -k or -j, an unknown option, no -o), -h prints the
# usage, and each keeps its own options (--holo for stack, --coarse-side for pack).
. "$(dirname "$0")/lib.sh"
plan 16

holo="$HOLO_BIN/holo"
cd "$T"
for cmd in pack stack; do
  run "$holo" $cmd -b 0 -o o.holo x
  like "$rc:$err" "2:holo: -b needs a block count from 1 to 1048576" "$cmd -b 0: usage error, exit 2"
  run "$holo" $cmd -k x -o o.holo x
  like "$rc:$err" "2:holo: -k needs a size in KB" "$cmd -k x: usage error"
  run "$holo" $cmd -j 65 -o o.holo x
  like "$rc:$err" "2:holo: -j needs a thread count from 1 to 64" "$cmd -j 65: usage error"
  run "$holo" $cmd --bogus -o o.holo x
  like "$rc:$err" "2:" "$cmd --bogus: exit 2"
  run "$holo" $cmd x
  like "$rc:$err" "2:holo: $cmd needs -o OUT" "$cmd without -o: usage error"
  run "$holo" $cmd -h
  like "$rc:$out" "0:usage: holo encode" "$cmd -h: the usage on stdout, exit 0"
done
run "$holo" pack --holo -o o.holo x
like "$rc" "2" "pack --holo: not a pack option"
run "$holo" stack --coarse-side 8 -o o.holo x
like "$rc" "2" "stack --coarse-side: not a stack option"
run "$holo" stack --holo -o mean.png
like "$rc:$err" "2:holo: stack needs at least one input" "stack --holo without inputs: usage error"
run "$holo" pack -o o.holo
like "$rc:$err" "2:holo: pack needs at least one FILE" "pack without inputs: usage error"
