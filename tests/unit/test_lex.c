/* Lexer/parser of the command language. */
#include "config.h"
#include "lex.h"
#include "../od_test.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, cmd_line **c, cmd_err *e) { return cmd_parse_line(line, c, e); }

int main(void)
{
    cmd_line *c;
    cmd_err e;
    int n;

    n = parse("load data/x.csv as blobs label=is_anomaly  # comment", &c, &e);
    od_test_int(n, 1, "one command");
    od_test_int((long long)c[0].nwords, 4, "four words");
    od_test_str(c[0].words[0].text, "load", "verb");
    od_test_str(c[0].words[1].text, "data/x.csv", "path word");
    od_test_int(c[0].words[1].col, 6, "path column");
    od_test_int((long long)c[0].nopts, 1, "one option");
    od_test_str(c[0].opts[0].key, "label", "option key");
    od_test_str(c[0].opts[0].val, "is_anomaly", "option value");
    od_test_int(c[0].opts[0].col, 26, "option column");
    od_test_int(c[0].opts[0].vcol, 32, "value column");
    cmd_lines_free(c, n);

    n = parse("set seed=1; describe ;head 5", &c, &e);
    od_test_int(n, 3, "three commands split by ;");
    od_test_str(c[2].words[1].text, "5", "third command's word");
    od_test_str(c[1].src, "describe", "command source text trimmed");
    cmd_lines_free(c, n);

    n = parse("plot roc a title=\"a \\\"b\\\" ; # c\\n\" to=x.png", &c, &e);
    od_test_int(n, 1, "quoted ; and # do not split");
    od_test_str(c[0].opts[0].val, "a \"b\" ; # c\n", "escapes in a quoted value");
    od_test_str(c[0].opts[1].val, "x.png", "option after quoted value");
    cmd_lines_free(c, n);

    n = parse("load \"my file.csv\"", &c, &e);
    od_test_int(c[0].words[1].quoted, 1, "quoted word flagged");
    od_test_str(c[0].words[1].text, "my file.csv", "quoted word with a space");
    cmd_lines_free(c, n);

    n = parse("   # only a comment", &c, &e);
    od_test_int(n, 0, "comment line has no commands");
    n = parse("", &c, &e);
    od_test_int(n, 0, "empty line");

    n = parse("load \"abc", &c, &e);
    od_test_int(n, -1, "unterminated string is an error");
    od_test_int(e.col, 6, "error points at the opening quote");
    od_test_str(e.msg, "unterminated string (expected a closing \")", "unterminated message");

    n = parse("x =3", &c, &e);
    od_test_int(n, -1, "option without a name");
    od_test_int(e.col, 3, "caret at '='");

    n = parse("3load", &c, &e);
    od_test_int(n, -1, "command must be a name");
    od_test_str(e.msg, "expected a command name", "bad verb message");

    n = parse("k=1 load", &c, &e);
    od_test_int(n, -1, "options before the verb");

    n = parse("load a\"b", &c, &e);
    od_test_int(n, -1, "quote inside a word");
    od_test_int(e.col, 7, "caret at the stray quote");

    n = parse("t \"a\\q\"", &c, &e);
    od_test_int(n, -1, "unknown escape");

    size_t k;
    char **v = cmd_list_split("a,b,,c", &k);
    od_test_int((long long)k, 4, "list split count");
    od_test_str(v[3], "c", "list item");
    od_test_str(v[2], "", "empty list item kept");
    free(v);

    char *q = cmd_quote("a \"b\"");
    od_test_str(q, "\"a \\\"b\\\"\"", "quote round trip text");
    char line[64];
    snprintf(line, sizeof line, "t %s", q);
    n = parse(line, &c, &e);
    od_test_int(n, 1, "quoted text parses");
    if (n == 1) od_test_str(c[0].words[1].text, "a \"b\"", "quoted text parses back");
    cmd_lines_free(c, n > 0 ? n : 0);
    free(q);
    /* found by fuzz/fuzz_lex.c: a word holding '=' was written bare and read
     * back as an option (oddity x=1.csv loaded nothing: "load x=1.csv") */
    q = cmd_quote("e7=24");
    od_test_str(q, "\"e7=24\"", "a word with '=' is quoted");
    snprintf(line, sizeof line, "load %s", q);
    n = parse(line, &c, &e);
    od_test_int(n == 1 ? (long long)c[0].nwords * 10 + (long long)c[0].nopts : -1, 20, "... and reads back as a word, not an option");
    if (n == 1 && c[0].nwords == 2) od_test_str(c[0].words[1].text, "e7=24", "... with its text");
    cmd_lines_free(c, n > 0 ? n : 0);
    free(q);

    /* Memory is linear in the line: a 90 KB line of 30000 words keeps each
     * word at its own size (it used to hold a copy of the rest of the line
     * per word: 568 MB for such a line). */
    {
        size_t nw = 30000, len = 3 * nw + 16;
        char *big = malloc(len);
        size_t off = (size_t)snprintf(big, len, "t");
        for (size_t i = 0; i < nw; i++) off += (size_t)snprintf(big + off, len - off, " %c%c", 'a' + (int)(i % 26), i % 2 ? '=' : 'b');
        n = parse(big, &c, &e);
        od_test_int(n, 1, "a 90 KB line of 30000 words parses");
        size_t most = 0;
        if (n == 1) {
            od_test_int((long long)(c[0].nwords + c[0].nopts), (long long)nw + 1, "every word and option kept");
            for (size_t i = 0; i < c[0].nwords; i++)
                if (malloc_usable_size(c[0].words[i].text) > most) most = malloc_usable_size(c[0].words[i].text);
            for (size_t i = 0; i < c[0].nopts; i++)
                if (malloc_usable_size(c[0].opts[i].val) > most) most = malloc_usable_size(c[0].opts[i].val);
        }
        od_test_int(most <= 64, 1, "each word is stored at its own size (at most 64 usable bytes), not the line's 90 KB");
        cmd_lines_free(c, n > 0 ? n : 0);
        free(big);
    }

    od_test_int(cmd_line_incomplete("plot x title=\"abc"), 1, "open quote is incomplete");
    od_test_int(cmd_line_incomplete("plot x title=\"abc\" # \""), 0, "quote in comment ignored");
    od_test_int(cmd_is_name("km.1-a_b"), 1, "name with . - _");
    od_test_int(cmd_is_name("1km"), 0, "name cannot start with a digit");
    return od_test_done();
}
