/* test_arff.c - engine/data ARFF reader: a good file with every attribute
 * type, label mappings, options, the .arff part of the malformed corpus
 * (tests/data/bad/NAME.arff + NAME.err [+ NAME.opts with label=...]) and
 * seeded mutations that must give a frame or one clean message. */
#include "config.h"
#include "../od_test.h"
#include "data/arff.h"
#include "data/load.h"

#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_rng.h>
#include <unistd.h>

static od_ctx *ctx;

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *b = calloc(1, 1 << 16);
    if (b) b[fread(b, 1, (1 << 16) - 1, fp)] = 0;
    fclose(fp);
    return b;
}

static const od_column *col(const od_frame *f, const char *name)
{
    long j = od_frame_find(f, name);
    return j < 0 ? NULL : &f->cols[j];
}

static int has_warning(const char *part)
{
    for (size_t i = 0; i < od_ctx_nwarnings(ctx); i++)
        if (strstr(od_ctx_warning(ctx, i), part)) return 1;
    return 0;
}

static od_frame *mem(const char *txt, const od_csv_opts *o)
{
    int err;
    od_ctx_clear_warnings(ctx);
    od_frame *f = od_arff_read_mem(ctx, "t.arff", txt, strlen(txt), o, &err);
    if (!f) printf("# error %d: %s\n", err, od_ctx_errmsg(ctx));
    return f;
}

static const char *memerr(const char *txt, const od_csv_opts *o)
{
    int err;
    od_frame *f = od_arff_read_mem(ctx, "t.arff", txt, strlen(txt), o, &err);
    if (f) {
        od_frame_free(f);
        return "(loaded)";
    }
    return od_ctx_errmsg(ctx);
}

static void test_good(void)
{
    int err;
    od_ctx_clear_warnings(ctx);
    od_frame *f = od_data_load(ctx, "tests/data/good/small.arff", NULL, &err);
    if (!od_test_true(f != NULL, "small.arff loads")) {
        printf("#   %s\n", od_ctx_errmsg(ctx));
        return;
    }
    od_test_int((long long)f->nrow, 4, "4 instances (comments skipped, weight {2} ignored)");
    od_test_int((long long)f->ncol, 7, "7 attributes");
    const od_column *x1 = col(f, "x1"), *x2 = col(f, "x 2"), *n = col(f, "n"), *c = col(f, "colour"), *nm = col(f, "name"),
                    *w = col(f, "when"), *o = col(f, "outlier");
    if (od_test_true(x1 && x2 && n && c && nm && w && o, "quoted and bare attribute names")) {
        od_test_true(x1->type == OD_COL_NUM && x1->role == OD_ROLE_FEATURE && x1->num[0] == 1.5 && isnan(x1->num[1]),
                     "numeric with ? = missing");
        od_test_true(x2->num[1] == -1000 && x2->num[2] == 0.5, "REAL, -1e3, spaces around a value");
        od_test_true(c->type == OD_COL_NUM && c->role == OD_ROLE_FEATURE && c->num[0] == 0 && c->num[1] == 2 && c->num[2] == 1,
                     "nominal -> codes in declaration order (red 0, green 1, 'dark blue' 2)");
        od_test_true(nm->type == OD_COL_TEXT && nm->role == OD_ROLE_IGNORED, "string -> text, ignored");
        od_test_str(nm->text[0], "a b", "quoted string value");
        od_test_str(nm->text[1], "it's", "double-quoted string with an apostrophe");
        od_test_true(w->type == OD_COL_TIME && w->role == OD_ROLE_TIME && w->num[0] == 1577836800 && isnan(w->num[1]),
                     "date -> time column");
        od_test_true(o->role == OD_ROLE_LABEL && o->num[0] == 0 && o->num[1] == 1 && o->num[2] == 0 && o->num[3] == 0,
                     "{yes,no} label: yes -> 1");
        od_test_true(has_warning("'yes' -> 1"), "label mapping reported");
    }
    od_frame_free(f);
}

static void test_labels_and_options(void)
{
    static const char *hdr = "@relation r\n@attribute x real\n";
    static const struct {
        const char *attr, *data;
        double want[3];
    } cases[] = {
        { "@attribute outlier {o,n}", "1,n\n2,o\n3,n\n", { 0, 1, 0 } },
        { "@attribute class {outlier,normal}", "1,normal\n2,normal\n3,outlier\n", { 0, 0, 1 } },
        { "@attribute class {normal,outlier}", "1,normal\n2,normal\n3,normal\n", { 0, 0, 0 } },
        { "@attribute label numeric", "1,0\n2,1\n3,?\n", { 0, 1, NAN } },
        { "@attribute is_anomaly {a,b}", "1,b\n2,b\n3,a\n", { 0, 0, 1 } },
        { "@attribute class {x,y}", "1,x\n2,y\n3,x\n", { 0, 1, 0 } },
        { "@attribute anomaly string", "1,normal\n2,anomaly\n3,normal\n", { 0, 1, 0 } },
        { "@attribute label {-1,1}", "1,1\n2,1\n3,-1\n", { 0, 0, 1 } },
    };
    char buf[512];
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        snprintf(buf, sizeof buf, "%s%s\n@data\n%s", hdr, cases[k].attr, cases[k].data);
        od_frame *f = mem(buf, NULL);
        long j = f ? od_frame_role(f, OD_ROLE_LABEL) : -1;
        int ok = j >= 0;
        for (size_t i = 0; ok && i < 3; i++) {
            double g = f->cols[j].num[i], w = cases[k].want[i];
            ok = isnan(w) ? isnan(g) : g == w;
        }
        od_test_true(ok, "label case %zu: %s", k, cases[k].attr);
        od_frame_free(f);
    }
    /* a multi-class 'class' is not a 0/1 label */
    od_frame *f = mem("@relation iris\n@attribute petal real\n@attribute class {setosa,versicolor,virginica}\n@data\n"
                      "1,setosa\n2,versicolor\n3,virginica\n",
                      NULL);
    od_test_true(f && od_frame_role(f, OD_ROLE_LABEL) < 0 && col(f, "class")->role == OD_ROLE_IGNORED && has_warning("3 classes"),
                 "3-class nominal: kept as codes, ignored, warned");
    od_frame_free(f);
    f = mem("@relation r\n@attribute x real\n@attribute class {p,q,r}\n@data\n1,p\n2,r\n3,p\n", NULL);
    od_test_true(f && col(f, "class")->role == OD_ROLE_LABEL && col(f, "class")->num[1] == 1 && col(f, "class")->num[0] == 0,
                 "3 declared classes, 2 used: a label (less frequent r -> 1)");
    od_frame_free(f);
    /* options */
    const char *txt = "@relation r\n@attribute a real\n@attribute b real\n@attribute t date\n@attribute y {0,1}\n@data\n"
                      "1,2,2020-01-01,0\n3,4,2020-01-02,1\n";
    const char *ign[] = { "b" }, *keep[] = { "a" };
    f = mem(txt, &(od_csv_opts){ .ignore = ign, .nignore = 1 });
    od_test_true(f && col(f, "b")->role == OD_ROLE_IGNORED && col(f, "a")->role == OD_ROLE_FEATURE, "ignore=b");
    od_frame_free(f);
    f = mem(txt, &(od_csv_opts){ .columns = keep, .ncolumns = 1, .label = "y" });
    od_test_true(f && f->ncol == 2 && col(f, "a") && col(f, "y")->role == OD_ROLE_LABEL && col(f, "y")->num[1] == 1,
                 "columns=a label=y: a and the label");
    od_frame_free(f);
    f = mem(txt, &(od_csv_opts){ .label = "y", .time = "t" });
    od_test_true(f && col(f, "t")->role == OD_ROLE_TIME && col(f, "t")->num[1] == 1577923200, "time=t");
    od_frame_free(f);
    od_test_str(memerr(txt, &(od_csv_opts){ .label = "z" }), "t.arff: label=z: no attribute named 'z' (attributes: a, b, t, y)",
                "unknown label=");
    od_test_str(memerr(txt, &(od_csv_opts){ .ignore = (const char *[]){ "q" }, .nignore = 1 }),
                "t.arff: ignore=q: no attribute named 'q' (attributes: a, b, t, y)", "unknown ignore=");
    od_test_str(memerr(txt, &(od_csv_opts){ .label = "t" }),
                "t.arff: label=t: a date attribute cannot be the label (expected 0/1 or two values)", "label= a date");
    od_test_str(memerr("@relation r\n@attribute a real\n@attribute b real\n@data\n1,2\n3,4\n5,6\n", &(od_csv_opts){ .label = "b" }),
                "t.arff:7:1: label attribute 'b' has a third distinct value '6' (expected 0/1 or two values; choose another "
                "with label= or drop it with ignore=)",
                "label= a many-valued numeric attribute");
    f = mem("@relation r\n@attribute a real\n@attribute label {0,1}\n@attribute label_point {0,1}\n@data\n1,0,0\n2,1,1\n", NULL);
    od_test_true(f && col(f, "label_point")->role == OD_ROLE_IGNORED && has_warning("second label"), "second label ignored");
    od_frame_free(f);
    f = mem("% CRLF and quoted nominals\r\n@RELATION r\r\n@ATTRIBUTE 'a b' NUMERIC\r\n@ATTRIBUTE c {'x y',\"z\"}\r\n@DATA\r\n1,'x y'\r\n2,z\r\n",
            NULL);
    od_test_true(f && f->nrow == 2 && col(f, "a b") && col(f, "c")->num[0] == 0 && col(f, "c")->num[1] == 1, "CRLF, upper-case keywords, quoted nominals");
    od_frame_free(f);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_corpus(void)
{
    const char *dir = "tests/data/bad";
    DIR *d = opendir(dir);
    if (!od_test_true(d != NULL, "corpus directory opens")) return;
    char *names[128];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 128) {
        const char *dot = strrchr(de->d_name, '.');
        if (dot && !strcmp(dot, ".arff")) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    od_test_true(n >= 14, "at least 14 malformed ARFF inputs (%zu)", n);
    for (size_t i = 0; i < n; i++) {
        char path[512], ep[512], op[512], base[256];
        snprintf(base, sizeof base, "%s", names[i]);
        *strrchr(base, '.') = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(ep, sizeof ep, "%s/%s.err", dir, base);
        snprintf(op, sizeof op, "%s/%s.opts", dir, base);
        char *want = slurp(ep), *opts = slurp(op), label[128] = "";
        od_csv_opts o = { .header = -1 };
        if (opts && sscanf(opts, "label=%127s", label) == 1) o.label = label;
        if (!want) {
            od_test_true(0, "%s has an expected message", names[i]);
        } else {
            want[strcspn(want, "\n")] = 0;
            int err = 0;
            od_frame *f = od_data_load(ctx, path, &o, &err);
            od_test_true(!f && err < 0, "%s: rejected (code %d)", names[i], err);
            od_test_str(f ? "(loaded)" : od_ctx_errmsg(ctx), want, "%s: message", names[i]);
            od_frame_free(f);
        }
        free(want);
        free(opts);
        free(names[i]);
    }
}

static void test_fuzz(void)
{
    static const char *seed =
        "% c\n@relation r\n@attribute x real\n@attribute 'y z' integer\n@attribute c {a,'b c',d}\n@attribute s string\n"
        "@attribute t date\n@attribute class {yes,no}\n@data\n1.5,2,a,'q',2020-01-01,no\n?,3,'b c',\"r\",?,yes\n"
        "4,-5,d,x,2020-01-02 10:00:00,no\n";
    static const char ins[] = ",{}'\"%?@\n\r 0123456789.e-abyesno\x00\xff";
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 31337);
    char buf[1024];
    int loaded = 0, rejected = 0, bad = 0;
    for (int it = 0; it < 3000; it++) {
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int nm = 1 + (int)gsl_rng_uniform_int(r, 2);
        for (int m = 0; m < nm; m++) {
            size_t p = n ? gsl_rng_uniform_int(r, n) : 0;
            switch (gsl_rng_uniform_int(r, 4)) {
            case 0: if (n) buf[p] = ins[gsl_rng_uniform_int(r, sizeof ins - 1)]; break;
            case 1:
                if (n < sizeof buf - 1) {
                    memmove(buf + p + 1, buf + p, n - p);
                    buf[p] = ins[gsl_rng_uniform_int(r, sizeof ins - 1)];
                    n++;
                }
                break;
            case 2:
                if (n) {
                    memmove(buf + p, buf + p + 1, n - p - 1);
                    n--;
                }
                break;
            default: n = p;
            }
        }
        int err = 0;
        od_frame *f = od_arff_read_mem(ctx, "fuzz.arff", buf, n, NULL, &err);
        if (f) {
            loaded++;
            for (size_t j = 0; j < f->ncol; j++)
                if (f->cols[j].role == OD_ROLE_LABEL)
                    for (size_t i = 0; i < f->nrow; i++) {
                        double v = f->cols[j].num[i];
                        bad += !(isnan(v) || v == 0 || v == 1);
                    }
            od_frame_free(f);
        } else {
            rejected++;
            const char *msg = od_ctx_errmsg(ctx);
            if (err >= 0 || strncmp(msg, "fuzz.arff:", 10) != 0 || strchr(msg, '\n')) {
                if (bad < 3) printf("#   bad message (%d): %s\n", err, msg);
                bad++;
            }
        }
    }
    od_test_int(bad, 0, "fuzz: 3000 mutated ARFF inputs, frames well formed or one clean message (%d loaded, %d rejected)",
                loaded, rejected);
    od_test_true(loaded > 100 && rejected > 100, "fuzz: both outcomes exercised");
    gsl_rng_free(r);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    if (top && chdir(top) != 0) {
        printf("not ok 1 - chdir %s: %s\n1..1\n", top, strerror(errno));
        return 1;
    }
    ctx = od_ctx_new(1);
    test_good();
    test_labels_and_options();
    test_corpus();
    test_fuzz();
    od_ctx_free(ctx);
    return od_test_done();
}
