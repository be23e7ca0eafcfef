/* cmd_bag.c - bag (one detector on random subsets of features and rows,
 * combined as `ensemble` does) and info (everything about one run). */
#include "config.h"
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char norm_words[64], combine_words[64];

/* The options of bag itself (help, and what is not the detector's); every
 * other option is the detector's. */
static const cmd_optspec bag_opts[] = {
    { "n", NULL, COMPL_NONE, "members (default 10)" },
    { "features", NULL, COMPL_NONE, "LO..HI or F: fractions of the columns per member (default [d/2, d-1] columns)" },
    { "rows", NULL, COMPL_NONE, "fraction of the training rows per member (default 1: all)" },
    { "norm", norm_words, COMPL_NONE, "how each member's scores are normalised (default rank)" },
    { "combine", combine_words, COMPL_NONE, "how the normalised scores are combined (default mean)" },
    { "weights", NULL, COMPL_NONE, "combine=weighted: one weight per member" },
    { "keep", "yes|no", COMPL_NONE, "also add the members as runs NAME.1 .. NAME.n" },
    { "fit", "train|normal|all", COMPL_NONE, "the training rows, as in detect (default train)" },
    { "on", NULL, COMPL_COLUMN, "columns to draw from (default: the features)" },
    { "as", NULL, COMPL_NONE, "name of the bag run" },
    { NULL, NULL, COMPL_NONE, NULL }
};

static int is_bag_key(const char *k)
{
    for (const cmd_optspec *o = bag_opts; o->name; o++)
        if (!strcmp(o->name, k)) return 1;
    return 0;
}

/* the options section of `help bag` (the command's .opts is NULL: the
 * detector's parameters are options too) */
static void bag_help_more(FILE *fp)
{
    fprintf(fp, "\noptions:\n");
    for (const cmd_optspec *o = bag_opts; o->name; o++)
        fprintf(fp, "  %-10s %s%s%s%s\n", o->name, o->help, o->values ? " (" : "", o->values ? o->values : "", o->values ? ")" : "");
    fprintf(fp, "  and the parameters of ALGO (help detect ALGO)\n");
}

static od_params *bag_detector_params(od_session *s, const cmd_line *c, const od_detector_type *t)
{
    const char **keys = od_mallocn(s->ctx, c->nopts + 1, sizeof *keys), **vals = od_mallocn(s->ctx, c->nopts + 1, sizeof *vals);
    od_params *p = NULL;
    size_t np = 0;
    if (keys && vals) {
        for (size_t i = 0; i < c->nopts; i++)
            if (!is_bag_key(c->opts[i].key)) { keys[np] = c->opts[i].key; vals[np++] = c->opts[i].val; }
        p = od_params_parse(s->ctx, t->params, t->nparams, keys, vals, np);
    }
    free(keys);
    free(vals);
    if (!p) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "bag %s", t->name);
        cmd_fail_opt(s, c, OD_EINVAL, prefix);
    }
    return p;
}

/* features=LO..HI or features=F (LO = HI = F), fractions in (0, 1]. */
static int parse_features(od_session *s, const cmd_line *c, od_bag_opts *o)
{
    const cmd_opt *e = cmd_opt_entry(c, "features");
    if (!e) return 0;
    char *end;
    const char *dots = strstr(e->val, "..");
    o->flo = strtod(e->val, &end);
    if (dots ? end != dots : *end) goto bad;
    o->fhi = o->flo;
    if (dots) {
        o->fhi = strtod(dots + 2, &end);
        if (*end || end == dots + 2) goto bad;
    }
    if (o->flo > 0 && o->flo <= o->fhi && o->fhi <= 1) return 0;
bad:
    return cmd_error_at(s, e->vcol, "bag: option features=%s: expected LO..HI or F, fractions with 0 < LO <= HI <= 1", e->val);
}

static int bag_options(od_session *s, const cmd_line *c, od_bag_opts *o, char ***cols, double **w)
{
    memset(o, 0, sizeof *o);
    *cols = NULL;
    *w = NULL;
    const cmd_opt *f = cmd_opt_entry(c, "fit");
    for (size_t i = 0; f && od_fit_mode_names[i]; i++)
        if (!strcmp(f->val, od_fit_mode_names[i])) { o->fit = (od_fit_mode)i; f = NULL; break; }
    if (f) return cmd_error_at(s, f->vcol, "bag: option fit=%s: expected train, normal or all", f->val);
    long n = 10;
    int r;
    if ((r = cmd_opt_long(s, c, "n", &n)) < 0) return r;
    if (n < 1 || n > 10000) return cmd_error_at(s, cmd_opt_entry(c, "n")->vcol, "bag: option n=%ld: must be 1..10000", n);
    o->n = (size_t)n;
    o->rows = 1;
    if ((r = cmd_opt_double(s, c, "rows", &o->rows)) < 0) return r;
    if (!(o->rows > 0 && o->rows <= 1))
        return cmd_error_at(s, cmd_opt_entry(c, "rows")->vcol, "bag: option rows=%s: a fraction in (0, 1]", cmd_optval(c, "rows"));
    if ((r = parse_features(s, c, o))) return r;
    if ((r = cmd_opt_bool(s, c, "keep", &o->keep)) < 0) return r;
    if ((r = cmd_ensemble_options(s, c, o->n, &o->norm, &o->combine, w))) return r;
    o->weights = *w;
    const char *on = cmd_optval(c, "on");
    if (on) {
        *cols = cmd_list_split(on, &o->ncols);
        if (!*cols) return cmd_fail(s, od_error(s->ctx, OD_ENOMEM, "out of memory"));
        o->cols = (const char *const *)*cols;
    }
    return 0;
}

static int cmd_bag(od_session *s, const cmd_line *c)
{
    const od_detector_type *t = od_detector_find(c->words[1].text);
    if (!t) return cmd_error_at(s, c->words[1].col, "bag: no detector named '%s' (help detect lists them)", c->words[1].text);
    int bad;
    const char *nm = cmd_as_name(s, c, 2, &bad);
    if (bad) return bad;
    od_dataset *d = cmd_dataset(s);
    if (!d) return OD_ESTATE;
    od_bag_opts o;
    char **cols;
    double *w;
    int rc = bag_options(s, c, &o, &cols, &w);
    if (rc) { free(cols); free(w); return rc; }
    od_params *p = bag_detector_params(s, c, t);
    if (!p) { free(cols); free(w); return OD_EINVAL; }
    o.name = nm;
    od_run *r = NULL;
    rc = od_run_bag(s->ctx, s->ws, d, t, p, &o, &r);
    if (od_cancelled(s->ctx)) od_ctx_clear_cancel(s->ctx);
    if (rc) rc = cmd_fail_opt(s, c, rc, "bag");
    else {
        cmd_run_summary(s, r);
        if (o.keep) fprintf(s->outfp, "  members kept as runs %s.1 .. %s.%zu\n", r->name, r->name, o.n);
    }
    od_params_free(p);
    free(cols);
    free(w);
    return rc;
}

static int cmd_info(od_session *s, const cmd_line *c)
{
    od_run *r = cmd_run(s, c, 1);
    if (!r) return OD_ENOTFOUND;
    cmd_run_summary(s, r);
    fprintf(s->outfp, "  parameters: %s\n", r->params && *r->params ? r->params : "-");
    fprintf(s->outfp, "  data: %s version %zu, %zu rows%s\n", r->dataset, r->dataset_version, r->n,
            r->is_series ? " (a series)" : "");
    if (r->thr.set) fprintf(s->outfp, "  threshold: %s %s (%s)\n", r->thr.strict ? ">" : ">=", fmtg(r->thr.value, 6),
                            r->thr.desc ? r->thr.desc : "-");
    else fprintf(s->outfp, "  threshold: none\n");
    return 0;
}

static char bag_usage[256];

__attribute__((constructor)) static void bag_strings(void)
{
    for (int k = OD_NORM_NONE; k <= OD_NORM_RANK; k++) {
        size_t l = strlen(norm_words);
        snprintf(norm_words + l, sizeof norm_words - l, "%s%s", l ? "|" : "", od_norm_name((od_norm)k));
    }
    for (int k = OD_COMBINE_MEAN; k <= OD_COMBINE_WEIGHTED; k++) {
        size_t l = strlen(combine_words);
        snprintf(combine_words + l, sizeof combine_words - l, "%s%s", l ? "|" : "", od_combine_name((od_combine)k));
    }
    snprintf(bag_usage, sizeof bag_usage,
             "bag ALGO [PARAM=VALUE..] [n=N] [features=LO..HI] [rows=F] [norm=%s] [combine=%s] [weights=..] [keep=yes] [fit=..] [on=COLS] [as NAME]",
             norm_words, combine_words);
}

static const cmd_optspec info_opts[] = { { NULL, NULL, COMPL_NONE, NULL } };

const od_command cmd_bag_entry = {
    .name = "bag", .usage = bag_usage, .topic = "detectors",
    .summary = "fit a detector on random subsets of the features and rows and combine the members",
    .help = "Fits ALGO n times (default 10), each member on a random subset of the columns\n"
            "(feature bagging, Lazarevic & Kumar 2005: by default a count drawn uniformly in\n"
            "[d/2, d-1]; features=LO..HI draws it in [LO d, HI d], features=F takes F d) and\n"
            "of the training rows (rows=F: a fraction, without replacement; default all).\n"
            "Every member scores every row; the scores are normalised and combined exactly\n"
            "as `ensemble` does (norm=, default rank; combine=mean|max|median|weighted with\n"
            "weights=, one per member).  Each member draws its subsets from its own random\n"
            "stream of the session seed, and the members run in parallel: the same bag for\n"
            "any threads=.  The bag is one run (compare, metrics, threshold, plots); its\n"
            "summary and `info` list every member's columns and rows; keep=yes also adds the\n"
            "members as runs NAME.1 .. NAME.n.  `save model NAME to=FILE` writes the whole\n"
            "bag (every member's columns, rows and model, each member's normalisation from\n"
            "the training scores, the combine rule); `load model FILE as NAME` scores with\n"
            "it (norm=rank ranks among the rows it scores).  Tabular detectors only.\n\n"
            "examples:\n  bag lof n=10 features=0.5..1.0 combine=mean as fb\n"
            "  bag kmeans k=4 n=20 rows=0.6 combine=max as rb",
    .min_words = 1, .max_words = 3, .opts = NULL, .fn = cmd_bag, .words = COMPL_DETECTOR, .help_more = bag_help_more,
};
const od_command cmd_info_entry = {
    .name = "info", .usage = "info RUN", .topic = "detectors",
    .summary = "everything about one run: summary, model, members of a bag, parameters, threshold",
    .help = "example:\n  bag lof n=5 as fb\n  info fb",
    .min_words = 1, .max_words = 1, .opts = info_opts, .fn = cmd_info, .words = COMPL_RUN,
};
