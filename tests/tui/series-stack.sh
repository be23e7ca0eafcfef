#!/bin/sh
# issue 17: the workbench's series plot stacks the data above the run's
# score (braille, native): the legend names the feature drawn above, and
# braille dots fill both the upper (data) and the lower (score) rows of the
# plot pane.
sock_name=oddity-stack
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1
printf '%s\n' 'load sample-data/series.csv' 'detect kmeans k=3 as a' 'threshold a method=percentile q=99' > "$tmp/setup.odd"
tmux -L $sock -f "$tmp/tmux.conf" new-session -d -s t -x 120 -y 40 \
  "cd '$top' && LANG=C.UTF-8 XDG_STATE_HOME='$tmp/state' $bin --tui -i -f $tmp/setup.odd; echo EXITED; sleep 30"
wait_for 'Plot: density of a'; ok $? "the workbench opens on the series"
keys p; keys p; keys p
wait_for 'Plot: series of a'; ok $? "p three times: the series plot"
wait_for 'rows: value 14.36..32.2 above; score'
ok $? "the legend names the data drawn above the score (value 14.36..32.2)"
braille=$(printf '\342[\240-\243]')
# the plot pane, right of the threshold pane's border: from its title to the legend
sed -n '/Plot: series of a/,/rows: value/p' "$tmp/screen" | sed '1d;$d' | sed 's/^[^│]*│//' > "$tmp/pane"
rows=$(wc -l < "$tmp/pane")
head -n 3 "$tmp/pane" | LC_ALL=C grep -q "$braille"
up=$?
tail -n 6 "$tmp/pane" | head -n 4 | LC_ALL=C grep -q "$braille"
low=$?
[ "$rows" -gt 10 ] && [ $up = 0 ] && [ $low = 0 ]; ok $? "braille dots in the upper (data) and the lower (score) panel ($rows rows)"
tmux -L $sock resize-window -t t -x 80 -y 24 2>/dev/null
keys C-l
wait_for 'Plot: series of a'; ok $? "at 80x24 the series plot is redrawn"
keys q
wait_for EXITED; ok $? "q leaves"
echo "1..$n"
