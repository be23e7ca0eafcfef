/* out.h - output sinks.  All engine text (reports, tables, plot scripts) goes to
 * an od_out: a FILE, a growable buffer, or nothing (a NULL sink: every write
 * to NULL succeeds and goes nowhere).  The engine never writes to
 * stdout/stderr itself; the front end decides where a sink points. */
#ifndef OD_OUT_H
#define OD_OUT_H

#include <stdio.h>
#include <stddef.h>
#include <stdarg.h>

typedef struct od_out od_out;

od_out *od_out_file(FILE *fp);     /* does not close fp */
od_out *od_out_buffer(void);       /* growable in-memory buffer */
void od_out_free(od_out *out);

int od_printf(od_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int od_vprintf(od_out *out, const char *fmt, va_list ap);
int od_puts(od_out *out, const char *s);          /* no newline added */
int od_write(od_out *out, const char *s, size_t n);

/* Buffer sinks: the text so far (NUL-terminated, owned by the sink) and reset. */
const char *od_out_str(const od_out *out);
size_t od_out_len(const od_out *out);
void od_out_reset(od_out *out);
/* Hand the buffer over (caller frees); the sink becomes empty. */
char *od_out_steal(od_out *out);

/* Format a double with `sig` significant digits, no trailing zeros, "nan"/"inf"
 * spelled as such.  Writes into buf (size >= 32) and returns it. */
char *od_fmt_num(char *buf, size_t size, double x, int sig);

#endif
