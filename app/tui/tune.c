/* tune.c - the threshold tuner's screen (ncurses).  Keys move the threshold
 * over the distinct scores; everything shown is recounted from the model
 * (tune_model.c) on every key, so the screen never disagrees with
 * `metrics`.  The caller turns an applied position into a `threshold`
 * command line, which is what the journal keeps. */
#include "config.h"
#include "tune.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_COLS 60
#define MIN_LINES 20

static const char *num(char *buf, size_t n, double x, const char *fmt)
{
    if (isnan(x)) snprintf(buf, n, "undef");
    else snprintf(buf, n, fmt, x);
    return buf;
}

/* Score histogram: nb bins over [lo, hi] (the top 0.5% may be cut off when
 * they would squeeze everything else into a few bins), log-scaled bars of
 * height H; bins at or above the threshold are drawn '#', the others '|';
 * '^' marks the threshold and '*' the bins that hold labelled anomalies. */
static void draw_histogram(const tune_model *tm, size_t p, int y, int H, int nb)
{
    if (tm->m == 0 || nb < 4 || H < 1) return;
    double lo = tm->thr[tm->m - 1], hi = tm->thr[0];
    int cut = 0;
    size_t top = (size_t)ceil(0.005 * (double)tm->n);
    size_t pq = tune_model_step_rows(tm, 0, (long)top);
    if (pq > 0 && pq < tm->m) {
        double q = tm->thr[pq - 1];
        if (hi - q > 4 * (q - lo) && q > lo) { hi = q; cut = 1; }
    }
    double w = hi > lo ? (hi - lo) / nb : 1;
    size_t *cnt = calloc((size_t)nb, sizeof *cnt), *pos = calloc((size_t)nb, sizeof *pos);
    if (!cnt || !pos) { free(cnt); free(pos); return; }
    for (size_t k = 0; k < tm->m; k++) {
        int b = hi > lo ? (int)((tm->thr[k] - lo) / w) : 0;
        if (b >= nb) b = nb - 1;
        if (b < 0) b = 0;
        cnt[b] += tm->cnt[k] - (k ? tm->cnt[k - 1] : 0);
        if (tm->labelled) pos[b] += tm->tp[k] - (k ? tm->tp[k - 1] : 0);
    }
    size_t cmax = 1;
    for (int b = 0; b < nb; b++) if (cnt[b] > cmax) cmax = cnt[b];
    double t = tune_model_value(tm, p);
    int tb = p == 0 ? nb : hi > lo ? (int)((t - lo) / w) : 0;
    if (tb >= nb && p != 0) tb = nb - 1;
    if (tb < 0) tb = 0;
    for (int b = 0; b < nb; b++) {
        int h = 0;
        if (cnt[b]) h = 1 + (cmax > 1 ? (int)((H - 1) * log((double)cnt[b]) / log((double)cmax)) : H - 1);
        for (int r = 0; r < h && r < H; r++) mvaddch(y + H - 1 - r, 2 + b, b >= tb ? '#' : '|');
        if (tm->labelled && pos[b]) mvaddch(y + H + 1, 2 + b, '*');
    }
    mvaddch(y + H, 2 + (tb < nb ? tb : nb - 1), tb < nb ? '^' : '>');
    char a[32], b[32];
    mvprintw(y + H + 2, 2, "%s", num(a, sizeof a, lo, "%.4g"));
    snprintf(b, sizeof b, "%.4g%s", hi, cut ? " (top 0.5% beyond)" : "");
    mvprintw(y + H + 2, 2 + nb - (int)strlen(b), "%s", b);
    free(cnt);
    free(pos);
}

static void draw(const tune_view *v, const tune_model *tm, size_t p, size_t best)
{
    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        mvprintw(0, 0, "tune needs a %dx%d terminal (this one is %dx%d); q leaves", MIN_COLS, MIN_LINES, COLS,
                 LINES);
        refresh();
        return;
    }
    char a[32], b[32], c[32], d[32];
    attron(A_BOLD);
    mvprintw(0, 0, "%.*s", COLS - 1, v->title);
    attroff(A_BOLD);
    mvprintw(1, 0, "%.*s", COLS - 1, v->current ? v->current : "no threshold yet");
    tune_counts k = tune_model_counts(tm, p);
    double t = tune_model_value(tm, p);
    mvprintw(3, 0, "threshold  score >= %-14s flags %zu of %zu rows (%s%%)   position %zu of %zu",
             num(a, sizeof a, t, "%.10g"), k.flagged, tm->n,
             num(b, sizeof b, tm->n ? 100.0 * (double)k.flagged / (double)tm->n : NAN, "%.3g"), p, tm->m);
    int y = 5;
    if (tm->labelled) {
        mvprintw(y++, 0, "precision  %-8s recall  %-8s F1  %-8s FPR  %s", num(a, sizeof a, k.precision, "%.4f"),
                 num(b, sizeof b, k.recall, "%.4f"), num(c, sizeof c, k.f1, "%.4f"), num(d, sizeof d, k.fpr, "%.4f"));
        y++;
        /* the layout of `metrics` */
        mvprintw(y++, 0, "                       predicted normal  predicted anomaly");
        mvprintw(y++, 0, "  normal    %8zu  %16zu %18zu    (TN, FP)", tm->n - tm->npos, k.tn, k.fp);
        mvprintw(y++, 0, "  anomalous %8zu  %16zu %18zu    (FN, TP)", tm->npos, k.fn, k.tp);
        y++;
        if (best) {
            tune_counts bc = tune_model_counts(tm, best);
            mvprintw(y++, 0, "best F1 %s at score >= %s (oracle: chosen with these labels; b goes there)",
                     num(a, sizeof a, bc.f1, "%.4f"), num(b, sizeof b, tune_model_value(tm, best), "%.6g"));
        } else
            mvprintw(y++, 0, "no labelled anomalies in this part: no best F1");
    } else {
        mvprintw(y++, 0, "no labels: precision, recall and F1 need a label column (load ... label=COL)");
        y += 5;
    }
    int H = LINES - y - 6;
    if (H > 12) H = 12;
    y++;
    draw_histogram(tm, p, y, H, COLS - 4);
    mvprintw(LINES - 1, 0, "%.*s", COLS - 1,
             "<- -> threshold down/up  down/up 1% more/fewer  PgDn/PgUp 10%  b best F1  r reset  Enter apply  q cancel");
    refresh();
}

int tui_tune(const tune_view *v, const tune_model *tm, size_t *p)
{
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) return -1;
    set_term(scr);
    set_escdelay(25);
    raw();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    size_t pos = v->p0 > tm->m ? tm->m : v->p0, best = tune_model_best_f1(tm);
    long pct = tm->n >= 100 ? (long)(tm->n / 100) : 1;
    int rc = -2;
    while (rc == -2) {
        draw(v, tm, pos, best);
        int ch = getch();
        switch (ch) {
        case KEY_LEFT: case 'h': if (pos < tm->m) pos++; break;
        case KEY_RIGHT: case 'l': if (pos > 0) pos--; break;
        case KEY_DOWN: case 'j': pos = tune_model_step_rows(tm, pos, pct); break;
        case KEY_UP: case 'k': pos = tune_model_step_rows(tm, pos, -pct); break;
        case KEY_NPAGE: pos = tune_model_step_rows(tm, pos, 10 * pct); break;
        case KEY_PPAGE: pos = tune_model_step_rows(tm, pos, -10 * pct); break;
        case KEY_HOME: case 'g': pos = 0; break;
        case KEY_END: case 'G': pos = tm->m; break;
        case 'b': if (best) pos = best; break;
        case 'r': pos = v->p0 > tm->m ? tm->m : v->p0; break;
        case '\n': case '\r': case KEY_ENTER: case 'a': rc = 1; break;
        case 'q': case 27: case 3: case 4: rc = 0; break;   /* q, Esc, Ctrl-C, Ctrl-D */
        case ERR: rc = 0; break;                            /* input closed */
        default: break;                                     /* KEY_RESIZE and others: redraw */
        }
    }
    endwin();
    delscreen(scr);
    *p = pos;
    return rc;
}
