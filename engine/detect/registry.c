#include "config.h"
#include "detector.h"

#include <string.h>

/* One line per detector.  Adding a detector = its file + one line here. */
#define OD_DETECTORS(X) \
    X(kmeans) \
    X(gmm) \
    X(hclust) \
    X(dbscan) \
    X(kde) \
    X(gauss) \
    X(iforest) \
    X(knn) \
    X(lof) \
    X(pca) \
    X(hbos) \
    X(ecod) \
    X(tsn) \
    X(cnn) \
    X(lstm) \
    X(gru) \
    X(attn)

#define X_DECL(n) extern const od_detector_type od_detector_##n;
OD_DETECTORS(X_DECL)

#define X_REF(n) &od_detector_##n,
static const od_detector_type *const registry[] = {
    OD_DETECTORS(X_REF)
    NULL
};

size_t od_detector_count(void) { return sizeof registry / sizeof registry[0] - 1; }
const od_detector_type *od_detector_at(size_t i) { return i < od_detector_count() ? registry[i] : NULL; }

const od_detector_type *od_detector_find(const char *name)
{
    for (size_t i = 0; i < od_detector_count(); i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}
