/* io.c - parameters to and from a file block:
 *   "ODNNWT01"  8-byte magic and format version
 *   count       uint64, little endian
 *   values      count IEEE-754 float32, little endian
 *   checksum    uint64 FNV-1a over the value bytes
 * Every read and write is checked; the architecture itself is rebuilt by the
 * caller (the detector stores its options), so a count mismatch means the
 * block belongs to another network. */
#include "config.h"
#include "nn_impl.h"

#include <string.h>

static const char magic[8] = {'O', 'D', 'N', 'N', 'W', 'T', '0', '1'};

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void put64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

int od_nn_write_params(od_ctx *ctx, const od_nn *net, FILE *fp)
{
    unsigned char hdr[16], buf[4 * 256];
    memcpy(hdr, magic, 8);
    put64(hdr + 8, net->np);
    if (fwrite(hdr, 1, 16, fp) != 16) goto io;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < net->np;) {
        size_t m = 0;
        for (; m < 256 && i < net->np; m++, i++) {
            uint32_t u;
            memcpy(&u, &net->w[i], 4);
            for (int k = 0; k < 4; k++) buf[4 * m + k] = (unsigned char)(u >> (8 * k));
        }
        h = fnv(h, buf, 4 * m);
        if (fwrite(buf, 1, 4 * m, fp) != 4 * m) goto io;
    }
    put64(hdr, h);
    if (fwrite(hdr, 1, 8, fp) != 8) goto io;
    return OD_OK;
io:
    return od_error(ctx, OD_EIO, "could not write the network weights");
}

int od_nn_read_params(od_ctx *ctx, od_nn *net, FILE *fp)
{
    unsigned char hdr[16], buf[4 * 256];
    if (!net->w) return od_error(ctx, OD_ESTATE, "network not prepared before reading weights");
    if (fread(hdr, 1, 16, fp) != 16)
        return od_error(ctx, OD_EFORMAT, "model file is truncated (no weight block)");
    if (memcmp(hdr, magic, 8))
        return od_error(ctx, OD_EFORMAT, "model file has no weight block (bad magic)");
    uint64_t n = get64(hdr + 8);
    if (n != net->np)
        return od_error(ctx, OD_EFORMAT, "model file holds %llu weights, the network has %zu",
                        (unsigned long long)n, net->np);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < net->np;) {
        size_t m = net->np - i < 256 ? net->np - i : 256;
        if (fread(buf, 1, 4 * m, fp) != 4 * m)
            return od_error(ctx, OD_EFORMAT, "model file is truncated (weights)");
        h = fnv(h, buf, 4 * m);
        for (size_t j = 0; j < m; j++, i++) {
            uint32_t u = 0;
            for (int k = 0; k < 4; k++) u |= (uint32_t)buf[4 * j + k] << (8 * k);
            memcpy(&net->w[i], &u, 4);
        }
    }
    if (fread(hdr, 1, 8, fp) != 8) return od_error(ctx, OD_EFORMAT, "model file is truncated (checksum)");
    if (get64(hdr) != h) return od_error(ctx, OD_EFORMAT, "model file is corrupt (weight checksum mismatch)");
    return OD_OK;
}
