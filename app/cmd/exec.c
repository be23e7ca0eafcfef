/* exec.c - parse a line, check it against the command table, dispatch. */
#include "config.h"
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const od_command *cmd_find(const char *name)
{
    for (size_t i = 0; i < od_ncommands; i++)
        if (!strcmp(od_commands[i]->name, name)) return od_commands[i];
    return NULL;
}

/* "where: " prefix: script:line:col for scripts, nothing interactively */
static void err_prefix(od_session *s, int col)
{
    s->nerrors++;
    if (s->src_name) {
        if (col > 0) fprintf(s->errfp, "%s:%ld:%d: ", cmd_escape(s->src_name), s->src_lineno, col);
        else fprintf(s->errfp, "%s:%ld: ", cmd_escape(s->src_name), s->src_lineno);
    }
    fputs("error: ", s->errfp);
}

/* Text that may come from data or a script, control characters escaped
 * (line breaks kept); an unprintable message is replaced, never dropped. */
static void put_text(FILE *fp, const char *text)
{
    char *e = cmd_escape_dup(text, CMD_ESC_KEEP_NL | CMD_ESC_KEEP_TAB);
    fputs(e ? e : "(message not shown: out of memory)", fp);
    free(e);
}

static void vput_text(FILE *fp, const char *fmt, va_list ap)
{
    char buf[1024];
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, aq);
    va_end(aq);
    if (n < 0) return;
    if ((size_t)n < sizeof buf) { put_text(fp, buf); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { buf[sizeof buf - 1] = 0; put_text(fp, buf); return; }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    put_text(fp, big);
    free(big);
}

/* The line with the caret under column col (of the raw line): both escaped,
 * so a control character in the line cannot reach the terminal and the caret
 * still points at the right word. */
static void caret(od_session *s, int col)
{
    if (col <= 0 || !s->cur_line) return;
    const char *line = s->cur_line;
    size_t n = strlen(line), pre = (size_t)col - 1 < n ? (size_t)col - 1 : n;
    char *esc = cmd_escape_dup(line, CMD_ESC_KEEP_TAB);
    size_t epre = cmd_escape_to(NULL, line, pre, CMD_ESC_KEEP_TAB);
    if (!esc) return;
    fprintf(s->errfp, "  %s\n  ", esc);
    for (size_t i = 0; i < epre; i++) {
        unsigned char ch = (unsigned char)esc[i];
        if ((ch & 0xC0) == 0x80) continue;   /* UTF-8 continuation: same column */
        fputc(ch == '\t' ? '\t' : ' ', s->errfp);
    }
    fputs("^\n", s->errfp);
    free(esc);
}

int cmd_error_at(od_session *s, int col, const char *fmt, ...)
{
    err_prefix(s, col);
    va_list ap;
    va_start(ap, fmt);
    vput_text(s->errfp, fmt, ap);
    va_end(ap);
    fputc('\n', s->errfp);
    caret(s, col);
    fflush(s->errfp);
    return OD_EINVAL;
}

int cmd_fail(od_session *s, int code)
{
    const char *m = od_ctx_errmsg(s->ctx);
    err_prefix(s, 0);
    /* "out of memory allocating 1.2 GB" says the size; say which command too */
    size_t cl = s->cur_cmd ? strlen(s->cur_cmd) : 0;
    if (cl && (code == OD_ENOMEM || !strncmp(m, "out of memory", 13)) && !(!strncmp(m, s->cur_cmd, cl) && m[cl] == ':'))
        fprintf(s->errfp, "%s: ", s->cur_cmd);
    put_text(s->errfp, *m ? m : od_strerror(code));
    fputc('\n', s->errfp);
    fflush(s->errfp);
    od_ctx_clear_error(s->ctx);
    return code ? code : OD_EINVAL;
}

void cmd_note(od_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput_text(s->outfp, fmt, ap);
    va_end(ap);
    fputc('\n', s->outfp);
}

const cmd_opt *cmd_opt_entry(const cmd_line *c, const char *key)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (!strcmp(c->opts[i].key, key)) return &c->opts[i];
    return NULL;
}

const char *cmd_optval(const cmd_line *c, const char *key)
{
    const cmd_opt *o = cmd_opt_entry(c, key);
    return o ? o->val : NULL;
}

int cmd_opt_double(od_session *s, const cmd_line *c, const char *key, double *v)
{
    const cmd_opt *o = cmd_opt_entry(c, key);
    if (!o) return 0;
    char *end;
    errno = 0;
    double x = strtod(o->val, &end);
    if (end == o->val || *end || errno == ERANGE || !isfinite(x))
        return cmd_error_at(s, o->vcol, "%s: option %s=%s: expected a number", c->words[0].text, key, o->val);
    *v = x;
    return 1;
}

int cmd_opt_long(od_session *s, const cmd_line *c, const char *key, long *v)
{
    const cmd_opt *o = cmd_opt_entry(c, key);
    if (!o) return 0;
    char *end;
    errno = 0;
    long x = strtol(o->val, &end, 10);
    if (end == o->val || *end || errno == ERANGE)
        return cmd_error_at(s, o->vcol, "%s: option %s=%s: expected an integer", c->words[0].text, key, o->val);
    *v = x;
    return 1;
}

int cmd_opt_bool(od_session *s, const cmd_line *c, const char *key, int *v)
{
    const cmd_opt *o = cmd_opt_entry(c, key);
    if (!o) return 0;
    const char *x = o->val;
    if (!strcmp(x, "yes") || !strcmp(x, "true") || !strcmp(x, "on") || !strcmp(x, "1")) { *v = 1; return 1; }
    if (!strcmp(x, "no") || !strcmp(x, "false") || !strcmp(x, "off") || !strcmp(x, "0")) { *v = 0; return 1; }
    return cmd_error_at(s, o->vcol, "%s: option %s=%s: expected yes or no", c->words[0].text, key, x);
}

od_dataset *cmd_dataset(od_session *s)
{
    od_dataset *d = od_ws_current(s->ws);
    if (!d) {
        err_prefix(s, 0);
        fprintf(s->errfp, "no dataset loaded (try: load sample-data/blobs.csv)\n");
    }
    return d;
}

od_version *cmd_version(od_session *s, od_dataset **dp)
{
    od_dataset *d = cmd_dataset(s);
    if (dp) *dp = d;
    return d ? od_ds_top(d) : NULL;
}

od_run *cmd_run(od_session *s, const cmd_line *c, size_t word)
{
    if (word >= c->nwords) {
        cmd_error_at(s, 0, "%s: expected a run name", c->words[0].text);
        return NULL;
    }
    od_run *r = od_ws_run(s->ws, c->words[word].text);
    if (!r) {
        if (s->ws->nruns == 0)
            cmd_error_at(s, c->words[word].col + s->cur_col0 - 1, "no run named '%s' (no runs yet: try detect kmeans)",
                         c->words[word].text);
        else
            cmd_error_at(s, c->words[word].col + s->cur_col0 - 1, "no run named '%s' (see: runs)", c->words[word].text);
    }
    return r;
}

static int check_words(od_session *s, const od_command *cmd, const cmd_line *c)
{
    size_t nw = c->nwords - 1;
    if ((int)nw < cmd->min_words)
        return cmd_error_at(s, 0, "%s: missing argument (usage: %s)", cmd->name, cmd->usage);
    if (cmd->max_words >= 0 && (int)nw > cmd->max_words)
        return cmd_error_at(s, c->words[cmd->max_words + 1].col, "%s: unexpected word '%s' (usage: %s)", cmd->name,
                            c->words[cmd->max_words + 1].text, cmd->usage);
    return 0;
}

/* Is val one of the '|'-separated values? */
static int in_list(const char *values, const char *val)
{
    size_t vl = strlen(val);
    for (const char *p = values;;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == vl && !strncmp(p, val, l)) return 1;
        if (!e) return 0;
        p = e + 1;
    }
}

/* Option i of c: known to the command, a value from its closed list, once. */
static int check_option(od_session *s, const od_command *cmd, const cmd_line *c, size_t i)
{
    const cmd_opt *opt = &c->opts[i];
    const cmd_optspec *o;
    for (o = cmd->opts; o->name; o++)
        if (!strcmp(o->name, opt->key)) break;
    if (!o->name) {
        char list[512] = "";
        size_t len = 0;
        for (const cmd_optspec *q = cmd->opts; q->name && len + 40 < sizeof list; q++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", q == cmd->opts ? "" : ", ", q->name);
        return cmd_error_at(s, opt->col, "%s: unknown option '%s' (options: %s)", cmd->name, opt->key,
                            *list ? list : "none");
    }
    if (o->values && !strchr(o->values, '*') && !in_list(o->values, opt->val))
        return cmd_error_at(s, opt->vcol, "%s: option %s=%s: expected one of %s", cmd->name, o->name, opt->val,
                            o->values);
    for (size_t j = 0; j < i; j++)
        if (!strcmp(c->opts[j].key, opt->key))
            return cmd_error_at(s, opt->col, "%s: option '%s' given twice", cmd->name, opt->key);
    return 0;
}

static int check_options(od_session *s, const od_command *cmd, const cmd_line *c)
{
    if (check_words(s, cmd, c)) return -1;
    if (!cmd->opts) return 0;
    for (size_t i = 0; i < c->nopts; i++)
        if (check_option(s, cmd, c, i)) return -1;
    return 0;
}

static void show_warnings(od_session *s)
{
    size_t n = od_ctx_nwarnings(s->ctx);
    for (size_t i = 0; i < n; i++) {
        fputs("warning: ", s->errfp);
        put_text(s->errfp, od_ctx_warning(s->ctx, i));
        fputc('\n', s->errfp);
    }
    od_ctx_clear_warnings(s->ctx);
}

static int unknown_command(od_session *s, const cmd_line *c)
{
    /* suggest commands sharing a prefix */
    char sugg[256] = "";
    size_t len = 0;
    for (size_t k = 0; k < od_ncommands && len + 40 < sizeof sugg; k++)
        if (!strncmp(od_commands[k]->name, c->words[0].text, 2))
            len += (size_t)snprintf(sugg + len, sizeof sugg - len, "%s%s", len ? ", " : "", od_commands[k]->name);
    if (*sugg)
        return cmd_error_at(s, c->words[0].col, "unknown command '%s' (did you mean: %s?)", c->words[0].text, sugg);
    return cmd_error_at(s, c->words[0].col, "unknown command '%s' (type help for the list)", c->words[0].text);
}

/* In a shard (--shard=I/N) after a search wrote its part: the commands that
 * still run (they shape the data later searches see); the others would use
 * runs the shard did not make, or write files every shard would write. */
static int shard_keeps(const od_command *cmd)
{
    static const char *const keep[] = { "search", "set", "source", "help", "quit", "history", NULL };
    for (size_t i = 0; keep[i]; i++)
        if (!strcmp(cmd->name, keep[i])) return 1;
    return cmd->topic && (!strcmp(cmd->topic, "data") || !strcmp(cmd->topic, "prepare")) && strcmp(cmd->name, "export") &&
           strcmp(cmd->name, "drop");
}

/* Find, check and run one command; res says what stands for it. */
static int dispatch(od_session *s, const cmd_line *c, cmd_result *res)
{
    const od_command *cmd = cmd_find(c->words[0].text);
    if (!cmd) return unknown_command(s, c);
    if (check_options(s, cmd, c)) return OD_EINVAL;
    if (s->shard_wrote && !shard_keeps(cmd)) {
        fprintf(s->errfp, "shard %zu/%zu: skipped '%s' (a shard makes no runs; the merge, --merge-shards=%zu, runs it)\n",
                s->shard_i, s->shard_n, cmd->name, s->shard_n);
        return 0;
    }
    od_ctx_clear_error(s->ctx);
    od_ctx_clear_cancel(s->ctx);
    const char *old_cmd = s->cur_cmd;
    unsigned long nerr = s->nerrors;
    s->cur_cmd = cmd->name;
    int rc = cmd->fn_res ? cmd->fn_res(s, c, res) : cmd->fn(s, c);
    /* a command never fails without a word: say what the engine said */
    if (rc && s->nerrors == nerr) cmd_fail(s, rc);
    s->cur_cmd = old_cmd;
    show_warnings(s);
    fflush(s->outfp);
    return rc;
}

/* The journal text of a line, built while its commands run. */
typedef struct {
    char *text;        /* commands that ran, joined by "; " */
    size_t len;
    int as_typed;      /* every command ran and stood for itself */
} journal_buf;

static int journal_add(od_session *s, journal_buf *j, const char *cmd)
{
    size_t l = strlen(cmd);
    char *t = realloc(j->text, j->len + l + 3);
    if (!t) return cmd_error_at(s, 0, "out of memory");
    j->text = t;
    j->len += (size_t)sprintf(t + j->len, "%s%s", j->len ? "; " : "", cmd);
    return 0;
}

static int exec_line(od_session *s, const char *line, journal_buf *j, int nested);

/* Run command c of a line and add what stands for it to j (if any). */
static int exec_command(od_session *s, const cmd_line *c, journal_buf *j, int nested)
{
    cmd_result res = { CMD_JOURNAL_SELF, NULL };
    int rc = dispatch(s, c, &res);
    if (rc == 0 && res.journal == CMD_JOURNAL_FOLLOWUP) {
        if (nested || !res.followup)   /* a follow-up asks for no follow-up of its own */
            rc = cmd_error_at(s, 0, "%s: internal error: no follow-up line to run", c->words[0].text);
        else
            rc = exec_line(s, res.followup, NULL, 1);
    }
    if (rc == 0 && j) {
        if (res.journal != CMD_JOURNAL_SELF) j->as_typed = 0;
        if (res.journal == CMD_JOURNAL_SELF) rc = journal_add(s, j, c->src);
        else if (res.journal == CMD_JOURNAL_FOLLOWUP || res.journal == CMD_JOURNAL_TEXT) rc = journal_add(s, j, res.followup);
    }
    free(res.followup);
    return rc;
}

static int exec_line(od_session *s, const char *line, journal_buf *j, int nested)
{
    const char *old_line = s->cur_line;
    int old_ncmds = s->line_ncmds;
    cmd_line *cmds;
    cmd_err e;
    s->cur_line = line;
    s->cur_col0 = 1;
    int n = cmd_parse_line(line, &cmds, &e);
    int rc = 0;
    if (n < 0) {
        rc = cmd_error_at(s, e.col, "%s", e.msg);
        n = 0;
    }
    s->line_ncmds = n;
    int i;
    for (i = 0; i < n && !s->quit && !rc; i++) rc = exec_command(s, &cmds[i], j, nested);
    if (j && (rc || i < n)) j->as_typed = 0;   /* not all of it ran */
    cmd_lines_free(cmds, n);
    s->cur_line = old_line;
    s->line_ncmds = old_ncmds;
    return rc;
}

int od_exec_line_journal(od_session *s, const char *line, char **journal)
{
    journal_buf j = { NULL, 0, 1 };
    int rc = exec_line(s, line, journal ? &j : NULL, 0);
    if (journal) {
        *journal = NULL;
        if (j.text && j.as_typed) {
            *journal = strdup(line);   /* as typed, with its comment */
            if (!*journal) rc = rc ? rc : cmd_error_at(s, 0, "out of memory");
            free(j.text);
        } else {
            *journal = j.text;
        }
    }
    return rc;
}

int od_exec_line(od_session *s, const char *line)
{
    return od_exec_line_journal(s, line, NULL);
}
