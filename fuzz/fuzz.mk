# fuzz/fuzz.mk - builds the libFuzzer harnesses (scripts/fuzz runs it; automake
# does not know these programs: they need clang's -fsanitize=fuzzer).
#   make -f fuzz/fuzz.mk top=SRCDIR B=BUILDDIR LIBS='...' fuzz-csv ...
# BUILDDIR is a clang build configured by scripts/fuzz: its config.h and
# libodengine.a; the app's sources (less main.c) are compiled here.
top ?= .
B ?= _build/fuzz
CC = clang
FUZZ_CFLAGS ?= -g -O1
SAN = -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS = -std=gnu11 $(FUZZ_CFLAGS) $(SAN) -fsanitize=fuzzer-no-link -MMD -MP
CPPFLAGS = -I$(B) -I$(top)/engine -I$(top)/app -I$(top)/app/cmd -I$(top)/fuzz $(EXTRA_CPPFLAGS)
TARGETS = csv arff lex model session
APP_SRC = $(filter-out $(top)/app/main.c,$(wildcard $(top)/app/*.c $(top)/app/cmd/*.c $(top)/app/tui/*.c))
APP_OBJ = $(patsubst $(top)/%.c,$(B)/fuzzobj/%.o,$(APP_SRC))

all: $(TARGETS:%=$(B)/fuzz-%)

$(B)/fuzzobj/%.o: $(top)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# csv, arff, model: the engine only; lex and session: the app's command layer too
$(B)/fuzz-csv $(B)/fuzz-arff $(B)/fuzz-model: $(B)/fuzz-%: $(B)/fuzzobj/fuzz/fuzz_%.o $(B)/fuzzobj/fuzz/common.o $(B)/libodengine.a
	$(CC) $(FUZZ_CFLAGS) $(SAN) -fsanitize=fuzzer $^ $(LIBS) -o $@
$(B)/fuzz-lex $(B)/fuzz-session: $(B)/fuzz-%: $(B)/fuzzobj/fuzz/fuzz_%.o $(B)/fuzzobj/fuzz/common.o $(APP_OBJ) $(B)/libodengine.a
	$(CC) $(FUZZ_CFLAGS) $(SAN) -fsanitize=fuzzer $^ $(LIBS) $(APP_LIBS) -o $@

-include $(wildcard $(B)/fuzzobj/*/*.d $(B)/fuzzobj/*/*/*.d)
.PHONY: all
