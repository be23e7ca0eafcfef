/* cmd_lesson.c - lessons: the step-through runner (`lesson FILE`, `oddity
 * --lesson FILE`), exercises checked by `expect`, and each lesson's progress
 * in $XDG_STATE_HOME/oddity/lessons/.
 *
 * A lesson is a script (help lesson): comment blocks are its prose, command
 * lines its steps, and an exercise is a block of `#?` question lines, `#hint`
 * and `#solution` lines and one or more `expect` lines.  `oddity -f` replays a
 * lesson with its #solution lines run (session.c), so the same file is a
 * lesson, a worked example and a test. */
#include "config.h"
#include "cmd.h"
#include "run/run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* ---- expect ------------------------------------------------------------ */

typedef struct {
    double lo, hi;             /* -inf / +inf when open */
} xrange;

/* "A..B", "A..", "..B" or "A" (exactly A).  0 or -1. */
static int parse_range(const char *t, xrange *r)
{
    const char *dots = strstr(t, "..");
    char *end;
    r->lo = -INFINITY;
    r->hi = INFINITY;
    if (!dots) {
        r->lo = r->hi = strtod(t, &end);
        return *t && !*end && isfinite(r->lo) ? 0 : -1;
    }
    if (dots > t) {
        char buf[64];
        if ((size_t)(dots - t) >= sizeof buf) return -1;
        memcpy(buf, t, (size_t)(dots - t));
        buf[dots - t] = 0;
        r->lo = strtod(buf, &end);
        if (*end || !isfinite(r->lo)) return -1;
    }
    if (dots[2]) {
        r->hi = strtod(dots + 2, &end);
        if (*end || !isfinite(r->hi)) return -1;
    }
    return dots == t && !dots[2] ? -1 : 0;
}

static int in_range(double x, const xrange *r)
{
    double tol = 1e-9 * (1 + fabs(x));
    return !isnan(x) && x >= r->lo - tol && x <= r->hi + tol;
}

static void range_str(char *buf, size_t n, const xrange *r)
{
    if (r->lo == r->hi) snprintf(buf, n, "%g", r->lo);
    else if (isinf(r->lo)) snprintf(buf, n, "at most %g", r->hi);
    else if (isinf(r->hi)) snprintf(buf, n, "at least %g", r->lo);
    else snprintf(buf, n, "%g to %g", r->lo, r->hi);
}

/* The words of an expect line after the kind, without the filler words
 * "exists", "flags", "rows", "is". */
static size_t content_words(const cmd_line *c, const char **w, int *col, size_t max)
{
    size_t k = 0;
    for (size_t i = 2; i < c->nwords && k < max; i++) {
        const char *t = c->words[i].text;
        if (!strcmp(t, "exists") || !strcmp(t, "flags") || !strcmp(t, "rows") || !strcmp(t, "is")) continue;
        col[k] = c->words[i].col;
        w[k++] = t;
    }
    return k;
}

static int check_part(od_session *s, const cmd_line *c, const od_run *r, int *part, char *why, size_t n)
{
    const cmd_opt *o = cmd_opt_entry(c, "on");
    if (!o) { *part = od_run_default_part(r); return 0; }
    if (od_part_parse(s->ctx, o->val, part) || od_run_check_part(s->ctx, r, *part)) {
        snprintf(why, n, "%s", od_ctx_errmsg(s->ctx));
        od_ctx_clear_error(s->ctx);
        return -1;
    }
    return 0;
}

static long count_missing(const od_frame *f)
{
    long m = 0;
    for (size_t j = 0; j < f->ncol; j++) {
        const od_column *cl = &f->cols[j];
        if (cl->role != OD_ROLE_FEATURE) continue;
        for (size_t i = 0; i < f->nrow; i++)
            m += cl->type == OD_COL_TEXT ? !cl->text[i] : isnan(cl->num[i]);
    }
    return m;
}

/* Check one expect line: 1 met, 0 not met, -1 the line is wrong (why says
 * how, *col where).  why says what was found either way. */
static int expect_check(od_session *s, const cmd_line *c, char *why, size_t n, int *col)
{
    const char *w[8];
    int wc[8];
    *col = c->nwords > 1 ? c->words[1].col : 0;
    if (c->nwords < 2) { snprintf(why, n, "expected what to check (help expect)"); return -1; }
    const char *kind = c->words[1].text;
    size_t k = content_words(c, w, wc, 8);
    char want[96];
    xrange rg;
    for (size_t i = 0; i < c->nopts; i++) {
        const char *key = c->opts[i].key;
        if (strcmp(key, "on") && strcmp(key, "labels") && strcmp(key, "method") && strcmp(key, "algo")) {
            *col = c->opts[i].col;
            snprintf(why, n, "unknown option '%s' (options: on, labels, method, algo)", key);
            return -1;
        }
    }
    if (!strcmp(kind, "run") || !strcmp(kind, "dataset")) {
        if (k != 1) { snprintf(why, n, "expect %s NAME [exists]", kind); return -1; }
        if (!strcmp(kind, "dataset")) {
            int ok = od_ws_dataset(s->ws, w[0]) != NULL;
            snprintf(why, n, "dataset %s %s", w[0], ok ? "exists" : "does not exist (datasets lists them)");
            return ok;
        }
        od_run *r = od_ws_run(s->ws, w[0]);
        const char *algo = cmd_optval(c, "algo");
        if (!r) { snprintf(why, n, "there is no run named %s (runs lists them)", w[0]); return 0; }
        if (algo && strcmp(r->algo, algo)) {
            snprintf(why, n, "run %s is a %s run, not %s", w[0], r->algo, algo);
            return 0;
        }
        snprintf(why, n, "run %s exists (%s)", w[0], r->algo);
        return 1;
    }
    if (!strcmp(kind, "metric")) {
        if (k != 3 || parse_range(w[2], &rg)) {
            if (k == 3) *col = wc[2];
            snprintf(why, n, "expect metric KEY RUN RANGE (RANGE: 0.8.., ..0.5, 0.7..0.9 or a number)");
            return -1;
        }
        const od_metric_def *d = od_metric_def_find(w[0]);
        if (!d) { *col = wc[0]; snprintf(why, n, "no metric named '%s' (help metrics lists them)", w[0]); return -1; }
        od_run *r = od_ws_run(s->ws, w[1]);
        if (!r) { snprintf(why, n, "there is no run named %s yet", w[1]); return 0; }
        int part;
        if (check_part(s, c, r, &part, why, n)) return -1;
        od_eval_opts eo;
        od_eval_opts_init(&eo);
        const char *lab = cmd_optval(c, "labels");
        if (lab) eo.labels = !strcmp(lab, "pseudo") ? OD_LABELS_PSEUDO : OD_LABELS_TRUTH;
        od_run_eval ev;
        if (od_run_eval_part(s->ctx, r, part, &eo, &ev)) {
            snprintf(why, n, "%s", od_ctx_errmsg(s->ctx));
            od_ctx_clear_error(s->ctx);
            return 0;
        }
        od_metric m = od_run_metric(&ev, d);
        range_str(want, sizeof want, &rg);
        if (!m.defined) {
            snprintf(why, n, "%s of %s on %s is undefined (%s); wanted %s", d->key, r->name, od_run_part_name(part), m.reason, want);
            return 0;
        }
        int ok = in_range(m.value, &rg);
        snprintf(why, n, "%s of %s on %s is %.4g (wanted %s)", d->key, r->name, od_run_part_name(part), m.value, want);
        return ok;
    }
    if (!strcmp(kind, "threshold")) {
        if (k < 1 || k > 2 || (k == 2 && strcmp(w[1], "set") && parse_range(w[1], &rg))) {
            if (k == 2) *col = wc[1];
            snprintf(why, n, "expect threshold RUN [flags] [RANGE [rows]] [method=RULE] [on=PART]");
            return -1;
        }
        od_run *r = od_ws_run(s->ws, w[0]);
        if (!r) { snprintf(why, n, "there is no run named %s yet", w[0]); return 0; }
        if (!r->thr.set) { snprintf(why, n, "run %s has no threshold yet (threshold %s method=...)", w[0], w[0]); return 0; }
        const char *method = cmd_optval(c, "method");
        if (method && (!r->thr.desc || strncmp(r->thr.desc, method, strlen(method)) ||
                       (r->thr.desc[strlen(method)] != ' ' && r->thr.desc[strlen(method)] != 0))) {
            snprintf(why, n, "the threshold of %s is %s, not method=%s", w[0], r->thr.desc ? r->thr.desc : "a value", method);
            return 0;
        }
        if (k == 1 || !strcmp(w[1], "set")) {
            snprintf(why, n, "run %s has a threshold: %s", w[0], r->thr.desc ? r->thr.desc : "set");
            return 1;
        }
        int part;
        if (check_part(s, c, r, &part, why, n)) return -1;
        size_t flagged = 0;
        for (size_t i = 0; i < r->n; i++)
            if (od_run_in_part(r, part, i) && od_run_flags(r, i)) flagged++;
        range_str(want, sizeof want, &rg);
        snprintf(why, n, "the threshold of %s flags %zu rows on %s (wanted %s)", w[0], flagged, od_run_part_name(part), want);
        return in_range((double)flagged, &rg);
    }
    /* the current dataset */
    od_dataset *d = od_ws_current(s->ws);
    od_version *v = d ? od_ds_top(d) : NULL;
    if (!strcmp(kind, "step")) {
        if (c->nwords < 3) { snprintf(why, n, "expect step TEXT (the start of a transform's line, e.g. \"scale robust\")"); return -1; }
        if (!d) { snprintf(why, n, "no dataset is loaded"); return 0; }
        const char *want_step = c->words[2].text;
        for (size_t i = 0; i < d->nv; i++)
            if (d->v[i].step && !strncmp(d->v[i].step, want_step, strlen(want_step))) {
                snprintf(why, n, "the lineage of %s has `%s`", d->name, d->v[i].step);
                return 1;
            }
        snprintf(why, n, "no step of %s starts with `%s` (lineage shows them)", d->name, want_step);
        return 0;
    }
    if (!strcmp(kind, "rows") || !strcmp(kind, "features") || !strcmp(kind, "missing") || !strcmp(kind, "window")) {
        if (k != 1 || parse_range(w[0], &rg)) {
            if (k == 1) *col = wc[0];
            snprintf(why, n, "expect %s RANGE", kind);
            return -1;
        }
        if (!d || !v || !v->frame) { snprintf(why, n, "no dataset with data is current"); return 0; }
        double x;
        if (!strcmp(kind, "rows")) x = (double)v->frame->nrow;
        else if (!strcmp(kind, "window")) x = (double)v->win;
        else if (!strcmp(kind, "missing")) x = (double)count_missing(v->frame);
        else {
            size_t nf = 0;
            for (size_t j = 0; j < v->frame->ncol; j++) nf += v->frame->cols[j].role == OD_ROLE_FEATURE;
            x = (double)nf;
        }
        range_str(want, sizeof want, &rg);
        snprintf(why, n, "%s has %s %g (wanted %s)", d->name, !strcmp(kind, "window") ? "window size" : kind, x, want);
        return in_range(x, &rg);
    }
    if (!strcmp(kind, "split")) {
        if (!v) { snprintf(why, n, "no dataset is loaded"); return 0; }
        if (!v->part) { snprintf(why, n, "%s has no split yet", d->name); return 0; }
        if (k == 1 && !strcmp(w[0], "stratified")) {
            int ok = v->split_desc && strstr(v->split_desc, "stratify=yes");
            snprintf(why, n, "the split of %s is %s", d->name, v->split_desc ? v->split_desc : "?");
            return ok;
        }
        if (k == 1 && !strcmp(w[0], "time")) {
            int ok = v->split_desc && strstr(v->split_desc, "order=time");
            snprintf(why, n, "the split of %s is %s", d->name, v->split_desc ? v->split_desc : "?");
            return ok;
        }
        if (k > 1 || (k == 1 && strcmp(w[0], "exists"))) {
            snprintf(why, n, "expect split [stratified|time]");
            return -1;
        }
        snprintf(why, n, "%s is split: %s", d->name, v->split_desc ? v->split_desc : "");
        return 1;
    }
    snprintf(why, n, "expect: unknown check '%s' (run, dataset, metric, threshold, step, rows, features, missing, window, split)", kind);
    return -1;
}

static int cmd_expect(od_session *s, const cmd_line *c)
{
    char why[512];
    int col;
    int r = expect_check(s, c, why, sizeof why, &col);
    if (r < 0) return cmd_error_at(s, col, "expect: %s", why);
    if (!r) {
        cmd_error_at(s, 0, "expect: not met: %s", why);
        return OD_EDATA;
    }
    fprintf(s->outfp, "expect: ok: %s\n", why);
    return 0;
}

/* ---- the lesson file ----------------------------------------------------- */

enum { STEP_CMD, STEP_EXERCISE, STEP_PROSE };

typedef struct {
    char **v;
    size_t n;
} strv;

typedef struct {
    int kind;
    char *prose;               /* the comment block before it, or NULL */
    char *cmd;                 /* STEP_CMD: the line, as written (with its comment) */
    long line;                 /* where it starts in the file */
    char *question;            /* STEP_EXERCISE */
    strv hints, solutions, expects;
    int number;                /* exercise number, 1-based */
    /* what the step did when it ran, for `b` */
    int ran;
    char *ds_name;             /* current dataset before it ran (NULL: none) */
    char *made;                /* `drop` line for the runs or dataset it added, or NULL */
    size_t nv_before, nv_after, nds_before, nds_after, nruns_before, nruns_after;
} lstep;

typedef struct {
    lstep *st;
    size_t n, cap;
    int nex;
} lesson;

static int strv_add(strv *a, const char *t)
{
    char **v = realloc(a->v, (a->n + 1) * sizeof *v);
    if (!v) return -1;
    a->v = v;
    if (!(a->v[a->n] = strdup(t))) return -1;
    a->n++;
    return 0;
}

static void strv_free(strv *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->v[i]);
    free(a->v);
}

static void lesson_free(lesson *L)
{
    for (size_t i = 0; i < L->n; i++) {
        lstep *t = &L->st[i];
        free(t->prose);
        free(t->cmd);
        free(t->question);
        free(t->ds_name);
        free(t->made);
        strv_free(&t->hints);
        strv_free(&t->solutions);
        strv_free(&t->expects);
    }
    free(L->st);
}

static lstep *new_step(lesson *L, int kind, long line, char **prose)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 32;
        lstep *st = realloc(L->st, cap * sizeof *st);
        if (!st) return NULL;
        L->st = st;
        L->cap = cap;
    }
    lstep *t = &L->st[L->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    t->prose = *prose;
    *prose = NULL;
    return t;
}

/* text += "\n" + add (or text = add) */
static int append(char **text, const char *add)
{
    size_t a = *text ? strlen(*text) : 0, b = strlen(add);
    char *t = realloc(*text, a + b + 2);
    if (!t) return -1;
    if (a) t[a++] = '\n';
    memcpy(t + a, add, b + 1);
    *text = t;
    return 0;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

static int parse_error(od_session *s, const char *path, long line, const char *msg)
{
    fprintf(s->errfp, "%s:%ld: error: lesson: %s\n", cmd_escape(path), line, msg);
    return OD_EINVAL;
}

static int lesson_parse(od_session *s, const char *path, FILE *fp, lesson *L)
{
    char *buf = NULL, *prose = NULL;
    size_t cap = 0;
    ssize_t len;
    long ln = 0;
    lstep *ex = NULL;          /* the open exercise */
    int rc = 0;
    memset(L, 0, sizeof *L);
    while (!rc && (len = getline(&buf, &cap, fp)) >= 0) {
        ln++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = 0;
        const char *p = skip_ws(buf);
        if (!strncmp(p, "#?", 2)) {
            if (!ex || ex->expects.n) {
                if (!(ex = new_step(L, STEP_EXERCISE, ln, &prose))) { rc = OD_ENOMEM; break; }
                ex->number = ++L->nex;
            }
            if (append(&ex->question, skip_ws(p + 2))) rc = OD_ENOMEM;
        } else if (!strncmp(p, "#hint", 5) && (p[5] == ' ' || !p[5])) {
            if (!ex) { rc = parse_error(s, path, ln, "#hint outside an exercise (an exercise starts with #? lines)"); break; }
            if (strv_add(&ex->hints, skip_ws(p + 5))) rc = OD_ENOMEM;
        } else if (!strncmp(p, "#solution", 9) && (p[9] == ' ' || !p[9])) {
            if (!ex) { rc = parse_error(s, path, ln, "#solution outside an exercise (an exercise starts with #? lines)"); break; }
            if (!*skip_ws(p + 9)) { rc = parse_error(s, path, ln, "#solution needs a command"); break; }
            if (strv_add(&ex->solutions, skip_ws(p + 9))) rc = OD_ENOMEM;
        } else if (!strncmp(p, "expect", 6) && (p[6] == ' ' || !p[6])) {
            if (ex) {
                if (strv_add(&ex->expects, p)) rc = OD_ENOMEM;
            } else {
                lstep *t = new_step(L, STEP_CMD, ln, &prose);
                if (!t || !(t->cmd = strdup(p))) rc = OD_ENOMEM;
            }
        } else if (*p == '#' || !*p) {
            if (ex && !ex->expects.n && *p == '#') {
                rc = parse_error(s, path, ln, "an exercise needs an expect line after its #? question (help lesson)");
                break;
            }
            ex = NULL;
            if (p[0] == '#' && p[1] == '!') continue;
            if (!strncmp(skip_ws(p + 1), "LESSON-TODO", 11)) continue;   /* a note for the lesson's authors */
            const char *t = *p == '#' ? p + 1 : p;
            if (*t == ' ') t++;
            if (!*p && (!prose || !*prose)) continue;   /* blank lines before any prose */
            if (append(&prose, *p ? t : "")) rc = OD_ENOMEM;
        } else {
            if (ex && !ex->expects.n) {
                rc = parse_error(s, path, ln, "an exercise needs an expect line after its #? question (help lesson)");
                break;
            }
            ex = NULL;
            lstep *t = new_step(L, STEP_CMD, ln, &prose);
            if (!t || !(t->cmd = strdup(p))) rc = OD_ENOMEM;
        }
    }
    if (!rc && ex && !ex->expects.n) rc = parse_error(s, path, ln, "an exercise needs an expect line after its #? question (help lesson)");
    if (!rc && prose) {
        /* trailing blank lines are not prose */
        size_t l = strlen(prose);
        while (l && prose[l - 1] == '\n') prose[--l] = 0;
        if (l && !new_step(L, STEP_PROSE, ln, &prose)) rc = OD_ENOMEM;
    }
    free(prose);
    free(buf);
    if (rc == OD_ENOMEM) fprintf(s->errfp, "error: lesson: out of memory\n");
    if (rc) lesson_free(L);
    return rc;
}

/* ---- progress ------------------------------------------------------------ */

typedef struct {
    char *path;                /* NULL: not kept */
    unsigned char *solved;     /* per exercise: 0 no, 1 solved, 2 shown the solution */
    int nex;
    size_t reached;
    int finished;
} progress;

static void progress_load(od_session *s, const char *lesson_path, progress *pg, int nex)
{
    memset(pg, 0, sizeof *pg);
    pg->nex = nex;
    pg->solved = calloc((size_t)nex + 1, 1);
    char *dir = session_state_dir();
    if (!dir || !pg->solved) { free(dir); return; }
    const char *base = strrchr(lesson_path, '/');
    base = base ? base + 1 : lesson_path;
    size_t bl = strlen(base);
    if (bl > 4 && !strcmp(base + bl - 4, ".odd")) bl -= 4;
    size_t cap = strlen(dir) + bl + 32;
    pg->path = malloc(cap);
    if (pg->path) {
        snprintf(pg->path, cap, "%s/lessons", dir);
        mkdir(pg->path, 0700);
        snprintf(pg->path, cap, "%s/lessons/%.*s.progress", dir, (int)bl, base);
    }
    free(dir);
    FILE *fp = pg->path ? fopen(pg->path, "r") : NULL;
    if (!fp) return;
    char line[256];
    while (fgets(line, sizeof line, fp)) {
        int k;
        char what[32];
        size_t r;
        if (sscanf(line, "exercise %d %31s", &k, what) == 2 && k >= 1 && k <= nex)
            pg->solved[k] = !strcmp(what, "solved") ? 1 : !strcmp(what, "shown") ? 2 : 0;
        else if (sscanf(line, "reached %zu", &r) == 1) pg->reached = r;
        else if (!strncmp(line, "finished yes", 12)) pg->finished = 1;
    }
    fclose(fp);
    (void)s;
}

static void progress_save(od_session *s, const char *lesson_path, progress *pg, size_t nsteps)
{
    if (!pg->path) return;
    cmd_outfile o;
    if (cmd_outfile_open(s, &o, "lesson progress", pg->path)) return;
    fprintf(o.fp, "# oddity lesson progress (written by the lesson runner; delete to start afresh)\n");
    fprintf(o.fp, "lesson %s\n", lesson_path);
    fprintf(o.fp, "steps %zu\nreached %zu\n", nsteps, pg->reached);
    for (int k = 1; k <= pg->nex; k++)
        fprintf(o.fp, "exercise %d %s\n", k, pg->solved[k] == 1 ? "solved" : pg->solved[k] == 2 ? "shown" : "open");
    fprintf(o.fp, "finished %s\n", pg->finished ? "yes" : "no");
    cmd_outfile_commit(s, &o);
}

/* ---- running steps ------------------------------------------------------- */

typedef struct {
    od_session *s;
    const char *path;
    lesson L;
    cmd_safe lesson_safe;      /* the lesson's limits, swapped in while its own lines run */
    cmd_safe user_safe;
    int solve;
    int swap;                  /* lesson_safe differs from the student's state (not inside a safe script) */
    progress pg;
    size_t last_run;           /* the last step whose command ran (+1), 0 = none */
} runner;

/* Run a line of the lesson's (safe, named file:line in errors), journaled. */
static int run_lesson_line(runner *R, const char *line, long lineno)
{
    od_session *s = R->s;
    if (R->swap) {
        R->user_safe = s->safe;
        s->safe = R->lesson_safe;
    }
    const char *old_name = s->src_name;
    long old_line = s->src_lineno;
    s->src_name = R->path;
    s->src_lineno = lineno;
    od_ctx_clear_cancel(s->ctx);
    fflush(s->outfp);
    int rc = session_exec(s, line, 1);
    fflush(s->outfp);
    fflush(s->errfp);
    s->src_name = old_name;
    s->src_lineno = old_line;
    if (R->swap) {
        R->lesson_safe = s->safe;
        s->safe = R->user_safe;
    }
    return rc;
}

/* A line the student typed: theirs, as at the prompt. */
static int run_user_line(runner *R, const char *line)
{
    od_session *s = R->s;
    od_ctx_clear_cancel(s->ctx);
    int rc = session_exec(s, line, 1);
    if (od_cancelled(s->ctx)) fprintf(s->errfp, "interrupted\n");
    fflush(s->outfp);
    fflush(s->errfp);
    return rc;
}

static void note_before(runner *R, lstep *t)
{
    od_session *s = R->s;
    od_dataset *d = od_ws_current(s->ws);
    free(t->ds_name);
    t->ds_name = d ? strdup(d->name) : NULL;
    t->nv_before = d ? d->nv : 0;
    t->nds_before = s->ws->nds;
    t->nruns_before = s->ws->nruns;
}

static void note_after(runner *R, lstep *t)
{
    od_session *s = R->s;
    od_dataset *d = t->ds_name ? od_ws_dataset(s->ws, t->ds_name) : NULL;
    t->nv_after = d ? d->nv : 0;
    t->nds_after = s->ws->nds;
    t->nruns_after = s->ws->nruns;
    t->ran = 1;
    free(t->made);
    t->made = NULL;
    /* what it added, by name, for `b` (drop forgets runs and datasets) */
    if (t->nds_after > t->nds_before && od_ws_current(s->ws)) {
        if (append(&t->made, "drop")) return;
        char *old = t->made;
        size_t l = strlen(old) + strlen(od_ws_current(s->ws)->name) + 2;
        if ((t->made = malloc(l))) snprintf(t->made, l, "%s %s", old, od_ws_current(s->ws)->name);
        free(old);
    } else if (t->nruns_after > t->nruns_before) {
        size_t l = 8;
        for (size_t i = t->nruns_before; i < t->nruns_after; i++) l += strlen(s->ws->runs[i]->name) + 1;
        if (!(t->made = malloc(l))) return;
        strcpy(t->made, "drop");
        for (size_t i = t->nruns_before; i < t->nruns_after; i++) {
            strcat(t->made, " ");
            strcat(t->made, s->ws->runs[i]->name);
        }
    }
}

/* Check every expect of an exercise; 1 all met (why empty), 0 not (why:
 * the first that is not), -1 a wrong expect line (reported). */
static int exercise_check(runner *R, lstep *t, char *why, size_t n)
{
    od_session *s = R->s;
    *why = 0;
    for (size_t i = 0; i < t->expects.n; i++) {
        cmd_line *cl = NULL;
        cmd_err err;
        int nc = cmd_parse_line(t->expects.v[i], &cl, &err);
        if (nc != 1) {
            fprintf(s->errfp, "%s: error: lesson: a wrong expect line: %s\n", cmd_escape(R->path), nc < 0 ? err.msg : t->expects.v[i]);
            if (nc > 0) cmd_lines_free(cl, nc);
            return -1;
        }
        int col;
        int r = expect_check(s, &cl[0], why, n, &col);
        cmd_lines_free(cl, nc);
        if (r < 0) {
            fprintf(s->errfp, "%s: error: lesson: %s: %s\n", cmd_escape(R->path), t->expects.v[i], why);
            return -1;
        }
        if (!r) return 0;
    }
    return 1;
}

static void print_prose(FILE *fp, const char *prose)
{
    if (!prose || !*prose) return;
    fputc('\n', fp);
    for (const char *p = prose;;) {
        const char *e = strchr(p, '\n');
        int l = e ? (int)(e - p) : (int)strlen(p);
        char *line = strndup(p, (size_t)l);
        fprintf(fp, "%s%s\n", l ? "  " : "", line ? cmd_escape(line) : "");
        free(line);
        if (!e) break;
        p = e + 1;
    }
}

static void print_question(FILE *fp, const lstep *t, int nex)
{
    fprintf(fp, "\n  Exercise %d of %d:\n", t->number, nex);
    print_prose(fp, t->question);
}

/* --solve: every step in order, the solutions run, the expects checked. */
static int run_solved(runner *R)
{
    od_session *s = R->s;
    FILE *fp = s->outfp;
    for (size_t i = 0; i < R->L.n && !s->quit; i++) {
        lstep *t = &R->L.st[i];
        print_prose(fp, t->prose);
        if (t->kind == STEP_CMD) {
            fprintf(fp, "oddity> %s\n", cmd_escape(t->cmd));
            fflush(fp);
            int rc = run_lesson_line(R, t->cmd, t->line);
            if (rc) return rc;
        } else if (t->kind == STEP_EXERCISE) {
            print_question(fp, t, R->L.nex);
            for (size_t k = 0; k < t->solutions.n; k++) {
                fprintf(fp, "oddity> %s   # the solution\n", cmd_escape(t->solutions.v[k]));
                fflush(fp);
                int rc = run_lesson_line(R, t->solutions.v[k], t->line);
                if (rc) return rc;
            }
            for (size_t k = 0; k < t->expects.n; k++) {
                fprintf(fp, "oddity> %s\n", cmd_escape(t->expects.v[k]));
                fflush(fp);
                int rc = run_lesson_line(R, t->expects.v[k], t->line);
                if (rc) return rc;
            }
        }
    }
    fprintf(fp, "\nlesson %s: every step ran and all %d exercises are solved\n", cmd_escape(R->path), R->L.nex);
    return 0;
}

static char *read_answer(runner *R, const char *prompt)
{
    od_session *s = R->s;
    fflush(s->outfp);
    fflush(s->errfp);
    if (s->read_line) return s->read_line(s, prompt);
    fputs(prompt, s->outfp);
    fflush(s->outfp);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, stdin);
    if (len < 0) { free(line); return NULL; }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    return line;
}

static const char *step_word(const lstep *t)
{
    static char w[32];
    const char *p = t->cmd ? t->cmd : "";
    size_t l = strcspn(p, " \t;#");
    snprintf(w, sizeof w, "%.*s", (int)(l < 31 ? l : 31), p);
    return w;
}

/* `b`: take back what step i did, as far as undo can. */
static void step_back(runner *R, lstep *t)
{
    od_session *s = R->s;
    FILE *fp = s->outfp;
    if (t->kind != STEP_CMD || !t->ran) {
        fprintf(fp, "back to step %ld (nothing to undo)\n", t->line);
        return;
    }
    od_dataset *d = t->ds_name ? od_ws_dataset(s->ws, t->ds_name) : NULL;
    if (t->made) {
        fprintf(fp, "oddity> %s   # back: forget what the step made\n", t->made);
        run_lesson_line(R, t->made, t->line);
    } else if (d && t->nv_after > t->nv_before && d->nv == t->nv_after) {
        for (size_t k = t->nv_before; k < t->nv_after; k++) {
            fprintf(fp, "oddity> undo   # back\n");
            if (run_lesson_line(R, "undo", t->line)) break;
        }
    } else if (!strcmp(step_word(t), "detect") || !strcmp(step_word(t), "ensemble")) {
        fprintf(fp, "cannot undo `%s`: it replaced a run of the same name, which is gone (running the step again replaces it again)\n", step_word(t));
    } else if (!strcmp(step_word(t), "threshold")) {
        fprintf(fp, "cannot undo `threshold`: the run keeps the new threshold until one is set again\n");
    } else {
        fprintf(fp, "`%s` changed nothing undo takes back (only dataset versions, new runs and new datasets are undone)\n", step_word(t));
    }
    t->ran = 0;
}

static void keys_help(FILE *fp, int exercise)
{
    if (exercise)
        fprintf(fp, "  type commands to answer; Enter checks the answer, ? shows the solution, solution runs it,\n"
                    "  s skips the exercise, b goes back a step, q quits\n");
    else
        fprintf(fp, "  Enter runs the step, s skips it, b goes back one step (undoing it where undo can),\n"
                    "  r runs the last step again, q quits; anything else you type runs as a command\n");
}

static int run_interactive_lesson(runner *R)
{
    od_session *s = R->s;
    FILE *fp = s->outfp;
    int solved_now = 0;
    fprintf(fp, "Lesson %s: %zu steps, %d exercises.\n", cmd_escape(R->path), R->L.n, R->L.nex);
    int before = 0;
    for (int k = 1; k <= R->pg.nex; k++) before += R->pg.solved[k] == 1;
    if (before || R->pg.finished)
        fprintf(fp, "Your progress: %d of %d exercises solved%s.\n", before, R->L.nex, R->pg.finished ? "; you finished it before" : "");
    fprintf(fp, "At each pause: Enter goes on; s, b, r, q or ? then Enter skip, go back, rerun, quit\n"
                "or help; anything else you type runs as a command (yours, outside the lesson's safe mode).\n");
    size_t i = 0;
    size_t hints_shown = 0;
    int shown = 0;   /* the current step's text has been shown */
    while (i < R->L.n && !s->quit) {
        lstep *t = &R->L.st[i];
        if (!shown) {
            print_prose(fp, t->prose);
            if (t->kind == STEP_CMD) fprintf(fp, "\n[%zu/%zu] oddity> %s\n", i + 1, R->L.n, cmd_escape(t->cmd));
            else if (t->kind == STEP_EXERCISE) print_question(fp, t, R->L.nex);
            shown = 1;
            hints_shown = 0;
        }
        if (i + 1 > R->pg.reached) R->pg.reached = i + 1;
        const char *prompt = t->kind == STEP_EXERCISE ? "answer> " : t->kind == STEP_CMD ? "lesson [Enter runs it]> " : "lesson [Enter]> ";
        char *ans = read_answer(R, prompt);
        if (!ans) { fputc('\n', fp); break; }
        char *a = ans;
        while (*a == ' ' || *a == '\t') a++;
        size_t al = strlen(a);
        while (al && (a[al - 1] == ' ' || a[al - 1] == '\t')) a[--al] = 0;
        int exercise = t->kind == STEP_EXERCISE;
        char why[512];
        if (!*a) {
            if (t->kind == STEP_CMD) {
                note_before(R, t);
                run_lesson_line(R, t->cmd, t->line);
                note_after(R, t);
                R->last_run = i + 1;
                i++;
                shown = 0;
            } else if (exercise) {
                int r = exercise_check(R, t, why, sizeof why);
                if (r < 0) { free(ans); return OD_EINVAL; }
                if (r) {
                    fprintf(fp, "  Right: %s.\n", why);
                    if (R->pg.solved[t->number] != 1) { R->pg.solved[t->number] = 1; solved_now++; }
                    progress_save(s, R->path, &R->pg, R->L.n);
                    i++;
                    shown = 0;
                } else {
                    fprintf(fp, "  Not yet: %s.\n", why);
                    if (hints_shown < t->hints.n) fprintf(fp, "  Hint: %s\n", cmd_escape(t->hints.v[hints_shown++]));
                    else fprintf(fp, "  (? shows the solution, s skips the exercise)\n");
                }
            } else {
                i++;
                shown = 0;
            }
        } else if (!strcmp(a, "q")) {
            free(ans);
            break;
        } else if (!strcmp(a, "s")) {
            fprintf(fp, "  skipped%s\n", exercise ? " (the exercise stays open in your progress)" : "");
            i++;
            shown = 0;
        } else if (!strcmp(a, "b")) {
            if (i == 0) fprintf(fp, "  this is the first step\n");
            else {
                i--;
                step_back(R, &R->L.st[i]);
                shown = 0;
            }
        } else if (!strcmp(a, "r")) {
            if (!R->last_run) fprintf(fp, "  no step has run yet\n");
            else {
                lstep *l = &R->L.st[R->last_run - 1];
                fprintf(fp, "oddity> %s\n", cmd_escape(l->cmd));
                run_lesson_line(R, l->cmd, l->line);
            }
        } else if (!strcmp(a, "?") || !strcmp(a, "h") || !strcmp(a, "help")) {
            if (exercise && !strcmp(a, "?")) {
                fprintf(fp, "  Solution (type `solution` to run it):\n");
                for (size_t k = 0; k < t->solutions.n; k++) fprintf(fp, "    %s\n", cmd_escape(t->solutions.v[k]));
                if (!t->solutions.n) fprintf(fp, "    (this exercise has no #solution line)\n");
                if (R->pg.solved[t->number] == 0) R->pg.solved[t->number] = 2;
            }
            keys_help(fp, exercise);
        } else if (exercise && !strcmp(a, "solution")) {
            for (size_t k = 0; k < t->solutions.n; k++) {
                fprintf(fp, "oddity> %s\n", cmd_escape(t->solutions.v[k]));
                run_lesson_line(R, t->solutions.v[k], t->line);
            }
            if (R->pg.solved[t->number] == 0) R->pg.solved[t->number] = 2;
            int r = exercise_check(R, t, why, sizeof why);
            if (r < 0) { free(ans); return OD_EINVAL; }
            fprintf(fp, "  %s: %s.\n", r ? "Solved by the solution" : "Still not met", why);
            progress_save(s, R->path, &R->pg, R->L.n);
            if (r) { i++; shown = 0; }
        } else {
            run_user_line(R, a);
            if (exercise) {
                int r = exercise_check(R, t, why, sizeof why);
                if (r < 0) { free(ans); return OD_EINVAL; }
                if (r) {
                    fprintf(fp, "  Right: %s.\n", why);
                    if (R->pg.solved[t->number] != 1) { R->pg.solved[t->number] = 1; solved_now++; }
                    progress_save(s, R->path, &R->pg, R->L.n);
                    i++;
                    shown = 0;
                } else {
                    fprintf(fp, "  Not yet: %s.\n", why);
                    if (hints_shown < t->hints.n) fprintf(fp, "  Hint: %s\n", cmd_escape(t->hints.v[hints_shown++]));
                }
            }
        }
        free(ans);
    }
    int total = 0;
    for (int k = 1; k <= R->pg.nex; k++) total += R->pg.solved[k] == 1;
    if (i >= R->L.n) {
        R->pg.finished = 1;
        fprintf(fp, "\nEnd of the lesson: %d of %d exercises solved.\n", total, R->L.nex);
    } else {
        fprintf(fp, "\nLeft the lesson at step %zu of %zu: %d of %d exercises solved.\n", i + 1, R->L.n, total, R->L.nex);
    }
    progress_save(s, R->path, &R->pg, R->L.n);
    if (R->pg.path) fprintf(fp, "progress: %s\n", cmd_escape(R->pg.path));
    (void)solved_now;
    return 0;
}

int cmd_lesson_run(od_session *s, const char *path, int solve)
{
    if (s->in_lesson) {
        fprintf(s->errfp, "error: lesson: a lesson is running already (q leaves it)\n");
        return OD_EINVAL;
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(s->errfp, "error: lesson: cannot open %s: %s\n", cmd_escape(path), strerror(errno));
        return OD_EIO;
    }
    runner R;
    memset(&R, 0, sizeof R);
    R.s = s;
    R.path = path;
    R.solve = solve;
    int rc = lesson_parse(s, path, fp, &R.L);
    fclose(fp);
    if (rc) return rc;
    /* the lesson's limits: safe mode, with the current directory readable */
    cmd_safe saved;
    if ((rc = cmd_safe_enter(s, path, &saved))) {
        lesson_free(&R.L);
        return rc;
    }
    R.swap = saved.on != -1;   /* else a lesson from a safe script: everything stays in its limits */
    if (R.swap) {
        s->safe.read_root2 = getcwd(NULL, 0);
        R.lesson_safe = s->safe;
        s->safe = saved;       /* the student's own state between steps */
    }
    char *old_base = s->base_dir;
    s->base_dir = NULL;   /* a lesson's relative paths are the current directory's, as the student's are */
    s->in_lesson = 1;
    progress_load(s, path, &R.pg, R.L.nex);
    rc = solve ? run_solved(&R) : run_interactive_lesson(&R);
    s->in_lesson = 0;
    s->base_dir = old_base;
    if (R.swap) {
        free(R.lesson_safe.read_root);
        free(R.lesson_safe.read_root2);
        free(R.lesson_safe.out_dir);
        free(R.lesson_safe.out_dir_want);
    }
    free(R.pg.path);
    free(R.pg.solved);
    lesson_free(&R.L);
    return rc;
}

/* The lesson's lines and the student's are journaled one by one as they run,
 * so the `lesson` line itself is not (a replay must not run the lesson twice). */
static int cmd_lesson(od_session *s, const cmd_line *c, cmd_result *res)
{
    res->journal = CMD_JOURNAL_NOTHING;
    int solve = 0;
    if (cmd_opt_bool(s, c, "solve", &solve) < 0) return OD_EINVAL;
    if (!solve && !s->interactive)
        return cmd_error_at(s, c->words[0].col, "lesson: steps through a lesson at the prompt; in a script give solve=yes "
                                                  "(or run: oddity --lesson FILE --solve)");
    char *path = cmd_in_path(s, c, "lesson", c->words[1].text, c->words[1].col);
    if (!path) return OD_EIO;
    int rc = cmd_lesson_run(s, path, solve);
    free(path);
    s->quit = 0;   /* q leaves the lesson, not the prompt */
    return rc;
}

static const cmd_optspec lesson_opts[] = {
    { "solve", "yes|no", COMPL_NONE, "run the lesson without pausing, the exercises solved by their #solution lines" },
    { NULL, NULL, COMPL_NONE, NULL }
};
static const cmd_optspec expect_opts[] = {
    { "on", "train|val|test|all", COMPL_NONE, "metric, threshold: the rows (default: test when split, else all)" },
    { "labels", "truth|pseudo", COMPL_NONE, "metric: measured against the labels or the pseudo-labels" },
    { "method", NULL, COMPL_NONE, "threshold: the rule the threshold was set by" },
    { "algo", NULL, COMPL_DETECTOR, "run: the detector the run was made by" },
    { NULL, NULL, COMPL_NONE, NULL }
};

const od_command cmd_lesson_entry = {
    .name = "lesson", .usage = "lesson FILE.odd [solve=yes]", .topic = "session",
    .summary = "step through a lesson: prose, each command before it runs, exercises",
    .help = "A lesson is a script of prose (comment blocks), commands and exercises; the\n"
            "runner shows each comment block, then the next command, and waits for a\n"
            "line: Enter alone, or one of these letters and Enter:\n"
            "  Enter     run the command shown (on an exercise: check the answer)\n"
            "  s         skip the step (an exercise stays open in your progress)\n"
            "  b         go back one step, undoing it when it made a dataset version\n"
            "            (scale, clean, window, split...; runs, thresholds and loaded\n"
            "            datasets stay, and the runner says so)\n"
            "  r         run the last step again\n"
            "  q         leave the lesson (the workspace stays as it is)\n"
            "  ?         on an exercise: show the solution; `solution` runs it\n"
            "Anything else you type at a pause runs as a command, journaled as at the\n"
            "prompt.  `oddity --lesson FILE` starts a lesson from the shell;\n"
            "`oddity --lesson FILE --solve` (or solve=yes) runs it without pausing, every\n"
            "exercise solved by its #solution lines and checked: a lesson is its own test.\n\n"
            "Safety.  A lesson's own lines run in safe mode (help scripts): they write only\n"
            "in the output directory (FILE-out beside the lesson, or --out-dir=DIR), replace\n"
            "no file they did not write, start no program but gnuplot, and read only\n"
            "inside the lesson's directory and the current directory.  Relative paths are\n"
            "the current directory's, so a lesson's `load sample-data/blobs.csv` is what\n"
            "you would type.  What you type yourself is yours, as at the prompt.\n\n"
            "Writing a lesson.  Comment lines (# ...) make the prose shown before the next\n"
            "step; a blank comment line is a paragraph break.  Each command line is a step\n"
            "(a trailing # comment is shown with it).  An exercise is a block:\n"
            "  #? the question, on one or more lines\n"
            "  #hint a hint shown after a wrong try (several: one per try)\n"
            "  #solution a command that answers it (several: run in order)\n"
            "  expect CHECK ...   one or more: all must hold (help expect)\n"
            "After each command you type during an exercise the expect lines are checked:\n"
            "met, the lesson goes on and your progress is saved; not met, the runner says\n"
            "what it found and gives the next hint.  `oddity -f FILE` replays a lesson with\n"
            "its #solution lines run (they are commands to -f and source, comments to any\n"
            "other reader), so the expects pass in a replay; --echo prints each line.\n\n"
            "Progress.  $XDG_STATE_HOME/oddity/lessons/NAME.progress (default\n"
            "~/.local/state/oddity/lessons/): the exercises solved, the furthest step and\n"
            "whether you finished, written atomically after each exercise and at the end.\n\n"
            "The lessons: scripts/lessons/01-*.odd ... 10-*.odd, one per chapter (loading,\n"
            "scaling, splits, k-means, clustering, density, thresholds and metrics, time\n"
            "series, neural detectors, ensembles).  `help glossary` explains their words.\n\n"
            "examples:\n  lesson scripts/lessons/01-loading.odd\n  lesson scripts/lessons/07-thresholds.odd solve=yes",
    .min_words = 1, .max_words = 1, .opts = lesson_opts, .fn_res = cmd_lesson, .words = COMPL_FILE,
};

const od_command cmd_expect_entry = {
    .name = "expect", .usage = "expect CHECK ... [on=PART] [labels=truth|pseudo] [method=RULE] [algo=ALGO]", .topic = "session",
    .summary = "check a condition on the workspace (a lesson's exercises; an error when it does not hold)",
    .help = "Prints `expect: ok: ...` when the condition holds, and is an error naming what\n"
            "it found when it does not (a script stops there).  RANGE is A..B, A.. (at\n"
            "least A), ..B (at most B) or a number.  The checks:\n"
            "  expect run NAME [exists] [algo=ALGO]       a run of that name (made by ALGO)\n"
            "  expect dataset NAME [exists]               a dataset of that name\n"
            "  expect metric KEY RUN RANGE [on=PART]      a metric (help metrics: the keys)\n"
            "  expect threshold RUN [set] [method=RULE]   the run has a threshold (by RULE)\n"
            "  expect threshold RUN flags RANGE rows      it flags that many rows of on=PART\n"
            "  expect step TEXT                           a step of the current dataset's\n"
            "                                             lineage starts with TEXT\n"
            "  expect rows RANGE | features RANGE | missing RANGE | window RANGE\n"
            "                                             of the current dataset's version\n"
            "  expect split [stratified|time]             it has a split (of that kind)\n"
            "on= defaults to the test rows when there is a split, as metrics does.\n\n"
            "examples:\n  expect metric ap km 0.8..\n  expect threshold km flags 20..40 rows\n"
            "  expect run lof exists algo=lof\n  expect step \"scale robust\"",
    .min_words = 1, .max_words = 6, .opts = expect_opts, .fn = cmd_expect, .words = COMPL_WORDS,
    .word_values = "run|dataset|metric|threshold|step|rows|features|missing|window|split",
};
