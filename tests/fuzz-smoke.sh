#!/bin/sh
# The fuzz harnesses (fuzz/, scripts/fuzz) build with clang and every
# committed corpus input (fuzz/corpus/TARGET/) runs through its harness once,
# in a fixed order, with no mutation: ASan, UBSan and each harness's own
# checks must stay quiet.  Skipped (77) without clang or libFuzzer.
top=$(cd "${top_srcdir:-.}" && pwd)
build=$(cd "${top_builddir:-.}" && pwd)/fuzz-smoke
command -v clang >/dev/null 2>&1 || { echo "1..0 # SKIP clang not installed (scripts/setup)"; exit 77; }
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' > "${TMPDIR:-/tmp}/odfz$$.c"
if ! clang -fsanitize=fuzzer "${TMPDIR:-/tmp}/odfz$$.c" -o "${TMPDIR:-/tmp}/odfz$$" >/dev/null 2>&1; then
  rm -f "${TMPDIR:-/tmp}/odfz$$.c" "${TMPDIR:-/tmp}/odfz$$"
  echo "1..0 # SKIP clang cannot link libFuzzer (apt-get install libclang-rt-14-dev or libfuzzer-14-dev)"; exit 77
fi
rm -f "${TMPDIR:-/tmp}/odfz$$.c" "${TMPDIR:-/tmp}/odfz$$"
echo "1..6"
# -O0: the build is most of this test's time; the corpus runs in seconds
if ODDITY_FUZZ_BUILD="$build" FUZZ_CFLAGS="-g -O0" "$top/scripts/fuzz" build >"$build.log" 2>&1; then
  echo "ok 1 - the five harnesses build with clang -fsanitize=fuzzer,address,undefined"
else
  echo "not ok 1 - the harnesses build"; tail -20 "$build.log" | sed 's/^/#   /'
fi
n=1
for t in csv arff lex model session; do
  n=$((n+1))
  files=$(find "$top/fuzz/corpus/$t" -type f | LC_ALL=C sort)
  count=$(echo "$files" | grep -c .)
  # shellcheck disable=SC2086
  if [ "$count" -ge 5 ] && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 OMP_NUM_THREADS=1 \
       "$build/fuzz-$t" -runs=1 $files >"$build-$t.log" 2>&1; then
    echo "ok $n - fuzz $t: the $count corpus inputs run clean"
  else
    echo "not ok $n - fuzz $t: corpus replay ($count inputs; at least 5 expected)"
    grep -E 'ERROR|SUMMARY|runtime error|Running:' "$build-$t.log" | tail -8 | sed 's/^/#   /'
  fi
done
