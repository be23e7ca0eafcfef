#!/bin/sh
# issue 17: plot files through the command line: PNG width and height read
# from the IHDR chunk equal the requested (and the default) size, SVG carries
# its size, PDF starts with %PDF; set plot terminal=sixel reaches gnuplot
# (sixelgd, the picture starts with ESC P); plot series RUN1 RUN2 stacks
# one panel per run and rejects a run on another dataset at its word;
# size=WxH, size=slide and font=N reach gnuplot, bad values are refused;
# plot pdf log=x (densities of log10(score), tics in score units) to PNG,
# SVG and PDF and in the terminal, scores <= 0 left out with a note, every
# score <= 0 and log=y refused in one line, log=none the default.
top=${top_srcdir:-.}
bin=$(cd "${top_builddir:-.}" && pwd)/oddity
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot is not installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top" || exit 1
n=0
check() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
od() { "$bin" --no-journal --no-times -e 'load sample-data/blobs.csv' -e 'detect kmeans k=3 as km' \
  -e 'threshold km method=percentile q=95' "$@"; }
# the width and height in a PNG's IHDR (bytes 17..24, big-endian)
png_size() { dd if="$1" bs=1 skip=16 count=8 2>/dev/null | od_bytes; }
od_bytes() { command od -An -tu1 | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
  END { printf "%dx%d\n", ((b[0]*256+b[1])*256+b[2])*256+b[3], ((b[4]*256+b[5])*256+b[6])*256+b[7] }'; }
od -e "plot roc km to=$tmp/d.png" -e "plot pr km to=$tmp/s.png width=640 height=480" \
   -e "plot series km to=$tmp/t.png width=1200 height=300" -e "plot pdf km to=$tmp/p.svg width=900 height=500" \
   -e "plot scatter km to=$tmp/p.pdf" >"$tmp/out" 2>&1
check $? "plot to .png/.svg/.pdf runs"
[ -s "$tmp/d.png" ] && [ "$(head -c 8 "$tmp/d.png" | command od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]
check $? "the .png is a non-empty PNG"
[ "$(png_size "$tmp/d.png")" = 800x600 ]
check $? "default PNG size is 800x600 (IHDR: $(png_size "$tmp/d.png"))"
[ "$(png_size "$tmp/s.png")" = 640x480 ]
check $? "width=640 height=480 gives a 640x480 PNG (IHDR: $(png_size "$tmp/s.png"))"
[ "$(png_size "$tmp/t.png")" = 1200x300 ]
check $? "plot series width=1200 height=300 gives 1200x300 (IHDR: $(png_size "$tmp/t.png"))"
[ -s "$tmp/p.svg" ] && grep -q '<svg' "$tmp/p.svg" && grep -q 'width="900"' "$tmp/p.svg" && grep -q 'height="500"' "$tmp/p.svg"
check $? "the .svg has <svg with width=900 height=500"
[ -s "$tmp/p.pdf" ] && [ "$(head -c 4 "$tmp/p.pdf")" = '%PDF' ]
check $? "the .pdf starts with %PDF"
# sixel
esc=$(printf '\033')
od -e 'set plot terminal=sixel' -e 'plot roc km commands' 2>&1 | grep -q '^set terminal sixelgd size 800,600 '
check $? "set plot terminal=sixel writes set terminal sixelgd"
od -e 'set terminal=sixel' -e 'plot pdf km' 2>/dev/null >"$tmp/six"
grep -a -q "^${esc}P" "$tmp/six" && [ "$(tail -c 2 "$tmp/six" | command od -An -c | tr -d ' ')" = '033\' ]
check $? "the sixel picture starts with ESC P and ends with ESC \\"
if gnuplot -e 'set terminal' 2>&1 | grep -qw sixelgd; then :; else echo "# this gnuplot lacks sixelgd"; fi
od -e 'set plot nosuch=1' 2>&1 | grep -q "unknown option 'nosuch'"
check $? "set plot with a bad option names it"
od -e 'set plotx terminal=dumb' 2>&1 | grep -q "set: unexpected word 'plotx'"
check $? "set with a word other than plot names it"
# plot series RUN1 RUN2: one panel per run
sr() { "$bin" --no-journal --no-times -e 'load sample-data/series.csv' -e 'detect kmeans k=3 as a' \
  -e 'detect gmm k=2 as b' -e 'threshold a method=percentile q=99' "$@"; }
sr -e 'plot series a b commands' >"$tmp/st" 2>&1
grep -q '^set multiplot layout 3,1 title .series: scores of a, b. noenhanced' "$tmp/st" &&
  [ "$(grep -c '^plot ' "$tmp/st")" = 3 ] && grep -q '^unset multiplot' "$tmp/st" &&
  grep -q "^set title 'a: score, threshold=2.742, 100 rows flagged'" "$tmp/st" &&
  grep -q "^set title 'b: score (no threshold)'" "$tmp/st"
check $? "plot series a b: a multiplot of 3 panels (channels, a, b), titles name the dataset and runs"
sr -e 'plot series a b' >"$tmp/sd" 2>&1
grep -q 'a: score, threshold=2.742, 100 rows flagged' "$tmp/sd" && grep -q 'b: score (no threshold)' "$tmp/sd" &&
  [ "$(grep -c 'time (UTC)' "$tmp/sd")" = 1 ]
check $? "... in the dumb terminal: panels stacked, one shared x axis label"
sr -e "plot series a b to=$tmp/st.png width=900 height=700" >/dev/null 2>&1 && [ "$(png_size "$tmp/st.png")" = 900x700 ]
check $? "... to a 900x700 PNG"
sr -e "plot series a b to=$tmp/st.svg" >/dev/null 2>&1 && grep -q '<svg' "$tmp/st.svg"
check $? "... to SVG"
sr -e "plot series a b to=$tmp/st.pdf" >/dev/null 2>&1 && [ "$(head -c 4 "$tmp/st.pdf")" = '%PDF' ]
check $? "... to PDF"
out=$(sr -k -e 'plot series a nosuch' -e 'runs' 2>&1)
printf '%s\n' "$out" | grep -q "^error: no run named 'nosuch'" && printf '%s\n' "$out" | grep -q '^name  *algo'
check $? "an unknown run is a one-line error and the session continues"
out=$(sr -k -e 'load sample-data/blobs.csv' -e 'detect kmeans k=2 as c' -e 'plot series a c' 2>&1)
printf '%s\n' "$out" | grep -q '^error: plot series: c was made on blobs (3000 rows), not on series (10000 rows) like a$'
check $? "a run on another dataset is rejected at its word"
# size=WxH and size=slide (1280x720, 18-point text), font=N
od -e "plot roc km to=$tmp/sl.png size=slide" -e "plot pr km to=$tmp/wh.png size=1000x500" >/dev/null 2>&1
[ "$(png_size "$tmp/sl.png")" = 1280x720 ] && [ "$(png_size "$tmp/wh.png")" = 1000x500 ]
check $? "size=slide gives 1280x720, size=1000x500 gives 1000x500 (IHDR: $(png_size "$tmp/sl.png"), $(png_size "$tmp/wh.png"))"
od -e "plot roc km to=$tmp/f.pdf size=slide commands" 2>&1 | grep -q '^set terminal pdfcairo size 17.78in,10in noenhanced font ",18"$' &&
  od -e "plot roc km to=$tmp/f.svg font=14 commands" 2>&1 | grep -q '^set terminal svg size 800,600 noenhanced font ",14"$'
check $? "size=slide sets 18-point text, font=14 reaches the svg terminal"
for bad in 'size=12x:expected WIDTHxHEIGHT' 'size=slide width=10:size= or width=/height=, not both' 'font=3:font=3: must be 4..200' \
           'size=5x600:width=5: must be 10..10000'; do
  opt=${bad%%:*}; msg=${bad#*:}
  out=$(od -k -e "plot roc km to=$tmp/bad.png $opt" -e 'runs' 2>&1)
  printf '%s\n' "$out" | grep -q "^error: plot: .*$msg" && printf '%s\n' "$out" | grep -q '^ *km ' && [ ! -e "$tmp/bad.png" ] || { echo "# $opt: $out" | head -3; false; }
  check $? "plot $opt is refused with one line naming it; the session goes on"
done
od -e "plot roc km font=12" 2>&1 | grep -q '^error: plot: font= is for files'
check $? "font= on the text terminal says it is for files"
# plot pdf log=x: heavy-tailed scores
od -e "plot pdf km log=x to=$tmp/lx.png" -e "plot pdf km log=x to=$tmp/lx.svg" -e "plot pdf km log=x to=$tmp/lx.pdf" >"$tmp/lx" 2>&1
check $? "plot pdf log=x to .png/.svg/.pdf runs"
[ "$(head -c 8 "$tmp/lx.png" | command od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && [ "$(wc -c < "$tmp/lx.png")" -gt 20000 ] &&
  [ "$(png_size "$tmp/lx.png")" = 800x600 ]
check $? "log=x: an 800x600 PNG of $(wc -c < "$tmp/lx.png") bytes"
grep -q '<svg' "$tmp/lx.svg" && grep -q '>km (log scale)</text>' "$tmp/lx.svg" && grep -q '>density per decade</text>' "$tmp/lx.svg" &&
  ( for t in 0.5 1 2 5 10 threshold=8.394; do grep -q ">$t</text>" "$tmp/lx.svg" || exit 1; done )
check $? "log=x: the SVG has the log-scale label, tics 0.5 1 2 5 10 and the threshold in score units"
[ "$(head -c 4 "$tmp/lx.pdf")" = '%PDF' ] && [ "$(wc -c < "$tmp/lx.pdf")" -gt 5000 ]
check $? "log=x: the PDF starts with %PDF"
od -e 'plot pdf km log=x width=79 height=24' >"$tmp/lxd" 2>&1
grep -q '^ *km (log scale) *$' "$tmp/lxd" && grep -qE '^ +0\.2 +0\.5 +1 +2 +5 +10 +20 *$' "$tmp/lxd" && ! grep -q '^note:' "$tmp/lxd"
check $? "log=x in the terminal: tics 0.2 0.5 1 2 5 10 20 (score units) under 'km (log scale)', no note"
od -e 'plot pdf km log=x commands' 2>&1 | grep -q "^set arrow 1 from first 0.92399" &&
  od -e 'plot pdf km log=x commands' 2>&1 | grep -q "^set label 1 'threshold=8.394'"
check $? "log=x: the threshold line at log10(8.394) = 0.924, labelled 8.394"
od -e 'plot pdf km width=70 height=20' >"$tmp/ln" 2>&1 && od -e 'plot pdf km log=none width=70 height=20' >"$tmp/ln2" 2>&1 &&
  cmp -s "$tmp/ln" "$tmp/ln2" && ! grep -q 'log scale' "$tmp/ln"
check $? "log=none draws what the default draws"
# scores <= 0: a column of scores as a run (detect column)
awk 'BEGIN { print "x,s,neg,label"; for (i = 0; i < 200; i++) { s = i % 25 ? exp((i % 37) / 4 - 4) : (i % 50 ? 0 : -1.5)
  printf "%d,%.6g,%.6g,%d\n", i, s, -(s < 0 ? -s : s) - 0.001, i % 20 == 0 }}' > "$tmp/sc.csv"
sc() { "$bin" --no-journal --no-times -k -e "load $tmp/sc.csv" -e 'detect column col=s as s' -e 'detect column col=neg as n' "$@"; }
out=$(sc -e 'threshold s method=percentile q=90' -e 'plot pdf s log=x width=70 height=20' 2>&1)
printf '%s\n' "$out" | grep -q '^note: 8 scores <= 0 left out of log=x' && printf '%s\n' "$out" | grep -q 's (log scale)'
check $? "log=x with 8 scores <= 0 (4 zero, 4 negative): a note with the count, the rest drawn"
out=$(sc -e 'plot pdf n log=x' -e 'runs' 2>&1)
printf '%s\n' "$out" | grep -q '^error: plot pdf: log=x: no score is > 0 (all 200 are <= 0)' &&
  [ "$(printf '%s\n' "$out" | grep -c '^error:')" = 1 ] && printf '%s\n' "$out" | grep -q '^ *n  *column'
check $? "log=x with every score <= 0: one error line naming log=x; the session goes on"
out=$(sc -e 'threshold s value=-1' -e 'plot pdf s log=x' 2>&1)
printf '%s\n' "$out" | grep -q '^warning: plot pdf: log=x: the threshold -1 is <= 0 and not drawn'
check $? "log=x with a threshold <= 0: a warning that it is not drawn"
out=$(od -k -e 'plot pdf km log=y' -e 'runs' 2>&1)
printf '%s\n' "$out" | grep -q '^error: plot: option log=y: expected one of x|none$' && printf '%s\n' "$out" | grep -q '^ *km '
check $? "log=y is refused in one line listing x|none"
echo "1..$n"
