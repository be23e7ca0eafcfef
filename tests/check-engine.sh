#!/bin/sh
# The engine is a library: no terminal headers, no printing, no exit/abort.
top=${top_srcdir:-.}
n=0
check() { n=$((n+1)); if [ -z "$2" ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$2" | sed 's/^/#   /'; fi; }
hits=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](readline/|curses|ncurses|term\.h|termios)' "$top/engine" --include='*.[ch]')
check "engine/ includes no terminal headers" "$hits"
hits=$(grep -rnE '(^|[^_[:alnum:]])(printf|puts|putchar|perror|exit|abort|getchar)[[:space:]]*\(|fprintf[[:space:]]*\([[:space:]]*std(out|err)' "$top/engine" --include='*.c' | grep -v '^[^:]*:[0-9]*:[[:space:]]*//' | grep -v '^[^:]*:[0-9]*:[[:space:]]*\*')
check "engine/ never prints or exits" "$hits"
hits=$(grep -rnwE '(stdin|getline|readline)' "$top/engine" --include='*.c' | grep -v 'sscanf')
check "engine/ never reads the terminal" "$hits"
echo "1..$n"
