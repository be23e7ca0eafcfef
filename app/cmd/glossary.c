/* glossary.c - the glossary: every term the workbench prints or takes, for
 * `help TERM`, `help glossary`, completion and the man page.  tests/glossary.sh
 * checks that every metric key of od_metric_defs[], every rule of
 * od_thr_rules[] and every registered detector (and its family) has an entry
 * here, so the glossary cannot fall behind the tables. */
#include "config.h"
#include "cmd.h"

#include <string.h>
#include <strings.h>

const cmd_glossary_entry cmd_glossary[] = {
    /* ---- metrics at a threshold ---- */
    { "precision", NULL, "share of the flagged rows that are anomalies",
      "precision = TP / (TP + FP): of the rows the threshold flags, how many are real\n"
      "anomalies.  Undefined when nothing is flagged.  A strict threshold raises it.\n"
      "Reference: any IR text, e.g. Manning et al. 2008, ch. 8.\n"
      "shows it: threshold km method=percentile q=98; metrics km" },
    { "recall", "sensitivity|tpr", "share of the anomalies the threshold flags",
      "recall = TP / (TP + FN) (the true-positive rate): of the real anomalies, how\n"
      "many are flagged.  Undefined without anomalies.  A lenient threshold raises it.\n"
      "Reference: Manning et al. 2008, ch. 8.\n"
      "shows it: threshold km method=percentile q=90; metrics km" },
    { "f1", "f-score|f1-score", "harmonic mean of precision and recall",
      "F1 = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN).  High only when both precision\n"
      "and recall are; ignores the true negatives, so it suits rare anomalies.\n"
      "Reference: van Rijsbergen 1979.\n"
      "shows it: metrics km (at the run's threshold); compare (F1@thr)" },
    { "accuracy", NULL, "share of rows classified right (misleading on rare anomalies)",
      "accuracy = (TP + TN) / n.  With 2% anomalies, flagging nothing scores 0.98:\n"
      "never judge a detector by it.  Prefer F1, MCC or AP.\n"
      "shows it: metrics km" },
    { "specificity", "tnr", "share of the normal rows left unflagged",
      "specificity = TN / (TN + FP) = 1 - false-positive rate (the x axis of ROC is\n"
      "1 - specificity).\n"
      "shows it: metrics km" },
    { "mcc", "matthews", "Matthews correlation coefficient",
      "MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)), from -1 (always\n"
      "wrong) through 0 (chance) to 1 (perfect); uses all four cells of the confusion\n"
      "matrix, so it stays honest on imbalanced data.  Undefined when a margin is 0.\n"
      "Reference: Matthews 1975; Chicco & Jurman 2020.\n"
      "shows it: metrics km" },
    { "confusion-matrix", "confusion|tp|fp|tn|fn", "the four counts at a threshold",
      "TP anomalies flagged, FP normal rows flagged (false alarms), FN anomalies\n"
      "missed, TN normal rows left alone.  Every metric at a threshold is made of\n"
      "them; `tune` shows them change as the threshold moves.\n"
      "shows it: metrics km; tune km" },
    /* ---- ranking metrics (no threshold) ---- */
    { "roc_auc", "roc-auc|auc|roc|roc curve", "area under the ROC curve",
      "The probability that a random anomaly scores above a random normal row (ties\n"
      "count half): 1 perfect, 0.5 chance, below 0.5 worse than chance (the scores\n"
      "point the wrong way on these rows).  The ROC curve plots TPR against FPR over\n"
      "every threshold.  On rare anomalies it looks good too easily: see ap.\n"
      "Reference: Fawcett 2006; scikit-learn roc_auc_score.\n"
      "shows it: detect kmeans k=4 as km; plot roc km" },
    { "ap", "average precision|pr_auc|pr-auc|pr curve|ap(step)", "average precision: the area under the PR curve, as a step sum",
      "AP = sum over thresholds of (R_n - R_(n-1)) P_n: the precision at each recall\n"
      "step, averaged.  Chance level is the anomaly share (0.02 on blobs), not 0.5, so\n"
      "it separates detectors that ROC-AUC calls equal when anomalies are rare.\n"
      "Reference: scikit-learn average_precision_score; Davis & Goadrich 2006.\n"
      "shows it: compare; plot pr km" },
    { "pr_auc_trapz", NULL, "area under the PR curve by trapezoids (optimistic)",
      "Linear interpolation between PR points overstates precision (Davis & Goadrich\n"
      "2006 show PR space cannot be interpolated linearly); kept for comparison with\n"
      "tools that report it.  Prefer ap.\n"
      "shows it: metrics km" },
    { "p_at_n", "precision at n|p@n", "precision among the n top-scored rows, n = number of anomalies",
      "Rank the rows by score, take as many as there are anomalies, and count the\n"
      "share that are anomalies (R-precision).  Ties at the n-th score all count.\n"
      "Reference: PyOD's precision_n_scores (which breaks ties the other way).\n"
      "shows it: metrics km" },
    { "best_f1", "best-f1|oracle|oracle threshold", "the best F1 of any threshold: an ORACLE",
      "The threshold chosen by looking at the labels of the rows being judged.  It\n"
      "says how good the scores could be, not how good the detector is: a real\n"
      "deployment has no labels to choose with.  compare stars oracle thresholds;\n"
      "report a label-free rule (percentile, spot...) beside it.\n"
      "shows it: threshold km method=best-f1; compare" },
    /* ---- series metrics ---- */
    { "event", "events|anomaly range|range", "a run of consecutive anomalous points in a series",
      "In a series, labels come as events: consecutive points labelled 1.  Series\n"
      "metrics count events found, not only points (a 72-hour anomaly is one event).\n"
      "shows it: load sample-data/series.csv; detect tsn window=48 as t; threshold t method=spot; metrics t" },
    { "pa_f1", "pa-f1|pa_precision|pa_recall|point adjust|point-adjusted|point adjustment",
      "point-adjusted precision, recall and F1 (optimistic)",
      "Point adjustment: if any point of an event is flagged, every point of that\n"
      "event counts as found, then P, R and F1 are computed point-wise.  One lucky\n"
      "flag in a long event scores it all, so random scores can reach high PA-F1:\n"
      "report it only beside stricter metrics.  Reference: Xu et al. 2018 (Donut);\n"
      "Kim et al. 2022 (AAAI) on why it flatters.  shows it: metrics t; compare" },
    { "rpa_f1", "rpa-f1|revised point-adjusted", "revised point-adjusted F1 (Merlion)",
      "Recall counts events hit (any flagged point in the event); precision counts\n"
      "each flagged range outside every event as one false positive.  Less generous\n"
      "than PA-F1.  Reference: Bhatnagar et al. 2021 (Merlion).\n"
      "shows it: metrics t" },
    { "event_f1", "event-f1|eventf1pa", "event recall with point-wise precision",
      "recall = events hit / events; precision = TP / (TP + FP) over points, with\n"
      "every flagged point outside an event a false positive (a 50-point false alarm\n"
      "costs 50).  Reference: TSB-AD (Liu & Paparrizos 2024), EventF1PA.\n"
      "shows it: metrics t" },
    { "range_f1", "range_precision|range_recall|range-based|range f1|alpha|bias|cardinality",
      "range-based precision, recall and F1 (Tatbul et al. 2018)",
      "Recall of an event = alpha x (found at all) + (1 - alpha) x overlap, the overlap\n"
      "weighted by bias (flat, front: the start matters most, back, middle) and\n"
      "divided by the number of pieces it is cut into when cardinality=reciprocal.\n"
      "Precision is the same over the flagged ranges (alpha 0).  Reference: Tatbul et\n"
      "al., NeurIPS 2018.  shows it: metrics t alpha=0.2 bias=front" },
    { "affiliation", "aff_precision|aff_recall|aff_f1|aff-f1", "affiliation precision, recall and F1",
      "Each event owns the stretch of time closer to it than to any other event;\n"
      "precision averages how close each flag is to its event, recall how close each\n"
      "event's points are to the flags, both as probabilities against random\n"
      "placement (0.5 = chance).  Reference: Huet et al., KDD 2022.\n"
      "shows it: metrics t; compare sort=aff_f1" },
    { "vus_pr", "vus-pr|vus_roc|vus-roc|vus|volume under the surface",
      "volume under the range-PR (or range-ROC) surface",
      "Labels are widened by a buffer of l points at each event edge (soft edges) and\n"
      "the range-AUC is averaged over l = 0..L: no threshold, and robust to a flag a\n"
      "few points early or late.  VUS-PR is the TSB-AD benchmark's headline metric.\n"
      "Reference: Paparrizos et al., VLDB 2022.  shows it: metrics t; compare" },
    /* ---- threshold rules ---- */
    { "threshold", "thresholds|score", "the score above which a row is flagged",
      "Detectors give scores (higher = more anomalous); a threshold turns them into\n"
      "flags.  Threshold-free metrics (roc_auc, ap) judge the scores; the others judge\n"
      "scores and threshold together.  help threshold lists the rules.\n"
      "shows it: threshold km method=percentile q=98; tune km" },
    { "value", NULL, "threshold rule value: a number you choose",
      "Flags score >= V (rule=> for score > V).  What `tune` writes when you\n"
      "apply a threshold chosen with the keys.\n"
      "shows it: threshold km value=3.2" },
    { "contamination", "c", "the expected share of anomalies; also a threshold rule",
      "The share of anomalies you expect in the data (a prior, not a measurement).\n"
      "Rule contamination c: flag score > the 100(1-c) percentile of the training\n"
      "scores, so about a share c of the training rows is flagged.  Reference: PyOD's\n"
      "contamination parameter.  shows it: threshold km method=contamination c=0.02" },
    { "percentile", "quantile|q", "threshold rule: the q-th percentile of the training scores",
      "t = the q-th percentile (linear interpolation, numpy's default) of the scores\n"
      "of the training rows; flag score > t.  q=98 flags about 2% of the training rows.\n"
      "shows it: threshold km method=percentile q=98" },
    { "sigma", "3-sigma|mean+k sd", "threshold rule: mean + k standard deviations",
      "t = mean + k sd of the training scores (population sd; k default 3).  Assumes\n"
      "roughly symmetric scores; one large outlier in training inflates the sd.\n"
      "shows it: threshold km method=sigma k=3" },
    { "iqr", "interquartile range|tukey", "threshold rule: Q3 + k IQR (Tukey's fences)",
      "t = Q3 + k (Q3 - Q1) of the training scores (k default 1.5).  Quartiles ignore\n"
      "the extremes, so outliers in training barely move it.  Reference: Tukey 1977.\n"
      "shows it: threshold km method=iqr k=1.5" },
    { "mad", "median absolute deviation", "threshold rule: median + k x 1.4826 MAD",
      "t = median + k 1.4826 median(|s - median|) (k default 3); 1.4826 makes the MAD\n"
      "estimate the sd of normal data.  The most robust of the spread rules.\n"
      "Reference: Hampel 1974; Leys et al. 2013.  shows it: threshold km method=mad k=3" },
    { "spot", "evt|extreme value theory|pot", "threshold rule: extreme value theory (SPOT)",
      "Fits a generalised Pareto distribution to the training scores above their\n"
      "level quantile, sets t where the tail probability is q, and streams over the\n"
      "later rows refitting with each exceedance.  q is a risk per point (1e-3: one\n"
      "false alarm per thousand points).  Reference: Siffer et al., KDD 2017.\n"
      "shows it: threshold t method=spot q=1e-3" },
    { "dspot", "drift", "threshold rule: SPOT on drift-removed scores",
      "SPOT applied to the scores minus their moving average over depth points, for\n"
      "scores whose level drifts.  Reference: Siffer et al., KDD 2017.\n"
      "shows it: threshold t method=dspot q=1e-3 depth=10" },
    { "sse", "otsu|sse threshold", "threshold rule: the least within-group SSE (Otsu on scores)",
      "Sorts the training scores and takes the cut between two distinct values that\n"
      "minimises SSE(low) + SSE(high), the within-group sums of squared deviations\n"
      "from each group's mean; flags scores above the low group's largest.  Exact,\n"
      "O(n log n), no labels.  Reference: Otsu 1979.  shows it: threshold km method=sse" },
    { "auto", "auto threshold|method=auto", "threshold rule: the median of the label-free rules",
      "Computes sse, mad, iqr, sigma and spot (each at its defaults) on the training\n"
      "scores and keeps the one whose threshold is their median: one or two rules that\n"
      "fail on a score distribution (sigma on heavy tails, sse on several modes)\n"
      "cannot move it.  Prints every candidate with the rows it would flag.\n"
      "shows it: threshold km method=auto" },
    { "silhouette", "silhouette score", "how well a row sits in its own cluster",
      "s = (b - a) / max(a, b): a = mean distance to the rows of its own cluster, b =\n"
      "to the rows of the nearest other cluster; -1..1, higher is better.  The mean\n"
      "over rows judges a clustering without labels.  Reference: Rousseeuw 1987.\n"
      "shows it: search kmeans k=2..8 metric=silhouette; plot elbow kmeans k=2..8 silhouette=yes" },
    { "elbow", "elbow plot|kneedle", "choosing k where the SSE curve bends",
      "plot elbow fits k-means for each k and draws SSE against k (gmm: BIC and AIC);\n"
      "the chosen k is the kneedle point: with k and SSE scaled to 0..1, the k\n"
      "farthest below the line from the first to the last point (gmm: least BIC).\n"
      "Reference: Satopaa et al. 2011.  shows it: plot elbow kmeans k=1..12" },
    /* ---- detector families ---- */
    { "cluster", "clustering", "detector family: clustering",
      "Group the training rows into clusters; a row is anomalous when it is far from\n"
      "every cluster (kmeans, hclust) or in no dense region (dbscan).  Scale the\n"
      "features first: distances mix their units.\n"
      "shows it: detect kmeans k=4 as km" },
    { "density", NULL, "detector family: density estimation",
      "Estimate the density p(x) of normal data; score = -log p(x), so rare regions\n"
      "score high (gauss, gmm, kde; hbos and ecod per column).\n"
      "shows it: detect gmm k=4 as g; plot pdf g" },
    { "neighbour", "neighbor|nearest neighbour", "detector family: nearest neighbours",
      "Compare each row with its k nearest training rows: far from them (knn) or\n"
      "less dense than they are (lof).  No model beyond the stored rows.\n"
      "shows it: detect knn k=10 as kn" },
    { "ensemble", "combine|ensembles", "several detectors' scores combined",
      "Normalise each run's scores (norm=rank or zscore) and combine them (mean, max,\n"
      "...): errors of different detectors partly cancel.  iforest is itself an\n"
      "ensemble of random trees.  Reference: Aggarwal & Sathe 2017.\n"
      "shows it: ensemble km g norm=rank combine=mean as ens" },
    { "linear", NULL, "detector family: linear models",
      "Fit a linear subspace to the normal rows; score by the distance from it\n"
      "(pca: the reconstruction error).\n"
      "shows it: detect pca as p" },
    { "neural", "neural network|deep", "detector family: neural networks on windows",
      "Learn normal behaviour from sliding windows of a series: forecast the next\n"
      "point or reconstruct the window; the error is the score (tsn, cnn, lstm, gru,\n"
      "attn).  Trained by an optimiser over epochs.\n"
      "shows it: detect tsn window=48 epochs=10 as t; plot loss t" },
    /* ---- detectors ---- */
    { "kmeans", "k-means|cblof|inertia", "k-means: distance to the nearest centroid, or CBLOF",
      "Lloyd's algorithm places k centroids minimising the SSE (inertia) = sum of\n"
      "squared distances to the nearest centroid; the elbow of SSE against k suggests\n"
      "k.  score=distance: distance to the nearest centroid; score=cblof: small\n"
      "clusters are scored against the large ones (He et al. 2003).  Reference:\n"
      "Lloyd 1982; Arthur & Vassilvitskii 2007 (k-means++).  shows it: detect kmeans k=4" },
    { "gmm", "gaussian mixture|bic|em", "Gaussian mixture model (EM)",
      "p(x) = sum_j w_j N(x; mu_j, Sigma_j), fitted by expectation-maximisation;\n"
      "score = -log p(x).  k is chosen by the BIC = -2 log L + params log n (lower is\n"
      "better).  Reference: Dempster et al. 1977; Schwarz 1978 (BIC).\n"
      "shows it: detect gmm k=4 covariance=full as g" },
    { "hclust", "hierarchical|agglomerative|linkage|ward", "hierarchical (agglomerative) clustering",
      "Start with every row alone and merge the two closest clusters until one is\n"
      "left; the linkage says what closest means: single (nearest pair), complete\n"
      "(farthest pair), average, ward (least increase of SSE).  Cut the tree into k\n"
      "clusters; rows in small clusters are outliers.  Reference: Müllner 2011.\n"
      "shows it: detect hclust linkage=ward k=8 as hc" },
    { "dbscan", "eps|minpts|noise|core point", "DBSCAN: density-based clustering with noise",
      "A core row has minpts rows within eps; clusters are chains of core rows; rows\n"
      "reachable from no core row are noise (the anomalies).  eps=auto takes the knee\n"
      "of the sorted minpts-distance curve.  Reference: Ester et al., KDD 1996.\n"
      "shows it: detect dbscan minpts=10 as db" },
    { "kde", "kernel density|bandwidth", "kernel density estimate",
      "p(x) = (1/n) sum_i K_h(x - x_i) with a Gaussian kernel of width h (bandwidth:\n"
      "Scott's or Silverman's rule, or a number); score = -log p(x).  Small h: spiky,\n"
      "large h: smooth.  Reference: Silverman 1986.\n"
      "shows it: detect kde as kd; plot pdf kd" },
    { "gauss", "gaussian|mahalanobis|mcd|robust covariance", "one multivariate Gaussian (optionally robust MCD)",
      "score = -log N(x; mu, Sigma), i.e. half the squared Mahalanobis distance plus a\n"
      "constant.  robust=yes estimates mu and Sigma by the Minimum Covariance\n"
      "Determinant (the h rows whose covariance has the smallest determinant), so the\n"
      "outliers do not stretch the fit.  Reference: Rousseeuw & Van Driessen 1999.\n"
      "shows it: detect gauss robust=yes as mcd" },
    { "iforest", "isolation forest", "Isolation Forest",
      "Random trees split random features at random values; anomalies are isolated in\n"
      "few splits.  score = 2^(-E[h(x)] / c(n)), h the path length.  Reference: Liu,\n"
      "Ting & Zhou, ICDM 2008.\n"
      "shows it: detect iforest as if" },
    { "knn", "k-nearest neighbours", "k-nearest-neighbour distance",
      "score = the largest (or mean, median) distance to the k nearest training rows.\n"
      "Reference: Ramaswamy et al., SIGMOD 2000.\n"
      "shows it: detect knn k=10 as kn" },
    { "lof", "local outlier factor", "Local Outlier Factor",
      "LOF = the mean local reachability density of a row's k neighbours divided by\n"
      "its own: about 1 inside a cluster, well above 1 for a row sparser than its\n"
      "neighbours (local outliers near a dense cluster).  Reference: Breunig et al.,\n"
      "SIGMOD 2000.  shows it: detect lof k=20 as lof" },
    { "pca", "principal components|reconstruction error", "PCA: as a transform and as a detector",
      "Principal components: the orthogonal directions of largest variance, fitted on\n"
      "the training rows.  `pca` (the command) keeps the first components; `detect\n"
      "pca` scores each row by its distance from the principal subspace.  Reference:\n"
      "Shyu et al. 2003.  shows it: pca n=3; detect pca as p" },
    { "hbos", "histogram", "Histogram-Based Outlier Score",
      "One histogram per column; score = sum over columns of -log(bin density).  Fast,\n"
      "but blind to combinations of columns.  Reference: Goldstein & Dengel 2012.\n"
      "shows it: detect hbos as hb" },
    { "ecod", "empirical cumulative", "ECOD: empirical-CDF outlier detection",
      "For each column the empirical left and right tail probabilities; score = the\n"
      "summed -log tail probability.  No parameters.  Reference: Li et al., TKDE 2022.\n"
      "shows it: detect ecod as ec" },
    { "tsn", "mlp|feed-forward", "fully connected network on windows",
      "Dense layers map a window of W points to the next point (forecast) or back to\n"
      "itself through a bottleneck (reconstruct, an autoencoder); score = the error.\n"
      "shows it: detect tsn window=48 epochs=10 as t" },
    { "cnn", "convolution", "1-D convolutional network on windows",
      "Convolutions slide small filters along the window, learning local shapes\n"
      "(spikes, slopes).  Reference: Munir et al. 2019 (DeepAnT).\n"
      "shows it: detect cnn window=48 epochs=10 as c" },
    { "lstm", "long short-term memory|recurrent|rnn", "LSTM recurrent network",
      "A recurrent cell with gates that keep or forget state, reading the window point\n"
      "by point.  Forecast mode follows Telemanom (Hundman et al., KDD 2018).\n"
      "Reference: Hochreiter & Schmidhuber 1997.  shows it: detect lstm window=48 as l" },
    { "gru", "gated recurrent unit", "GRU recurrent network",
      "A lighter recurrent cell than the LSTM (update and reset gates, no separate\n"
      "memory).  Reference: Cho et al. 2014.\n"
      "shows it: detect gru window=48 epochs=5 as g2" },
    { "attn", "attention|transformer|self-attention", "self-attention (transformer encoder)",
      "Every point of the window attends to every other: softmax(Q K^T / sqrt(d)) V.\n"
      "Reference: Vaswani et al. 2017.\n"
      "shows it: detect attn window=48 epochs=5 as at" },
    /* ---- method words ---- */
    { "forecast", "forecasting|prediction error", "neural mode: predict the next points",
      "mode=forecast: the network predicts the horizon points after each window; the\n"
      "score is the prediction error.  Good for spikes and breaks of a pattern.\n"
      "shows it: detect lstm mode=forecast window=48 as l" },
    { "reconstruct", "reconstruction|autoencoder", "neural mode: reproduce the window through a bottleneck",
      "mode=reconstruct: an autoencoder compresses the window to a small code and\n"
      "rebuilds it; shapes it never saw rebuild badly.  Good for collective anomalies.\n"
      "shows it: detect tsn mode=reconstruct window=48 bottleneck=4 as ae" },
    { "epoch", "epochs|loss|training loss|validation loss", "one pass over the training windows",
      "Each epoch the optimiser sees every training window once; the training and\n"
      "validation losses are printed per epoch.  Validation loss rising while the\n"
      "training loss falls is overfitting.  shows it: plot loss t" },
    { "early-stopping", "patience", "stop training when validation stops improving",
      "patience=P: stop after P epochs without a better validation loss and keep the\n"
      "best weights (Ctrl-C does the same by hand).  Reference: Prechelt 1998.\n"
      "shows it: detect tsn window=48 epochs=100 patience=3 as t" },
    { "learning-rate", "lr|schedule", "the step size of the optimiser",
      "lr scales each update.  Too large: the loss jumps or diverges; too small:\n"
      "training crawls.  schedule=step or cosine lowers it as training goes on.\n"
      "shows it: detect tsn window=48 lr=0.01 as t; plot loss t" },
    { "optimiser", "optimizer|adam|adamw|sgd|momentum", "the rule that updates the weights",
      "sgd: w -= lr g (with momentum); adam: per-weight steps from running means of\n"
      "the gradient and its square (Kingma & Ba 2015); adamw: adam with weight decay\n"
      "kept apart from the gradient (Loshchilov & Hutter 2019).\n"
      "shows it: detect tsn optimizer=sgd lr=0.01 as t" },
    { "weight-decay", "weight_decay|l2|regularisation|dropout", "shrinking the weights to fight overfitting",
      "weight_decay adds lambda |w|^2 to the loss (adamw: decays w directly); dropout\n"
      "zeroes random units while training.  Both trade training fit for generality.\n"
      "shows it: detect tsn optimizer=adamw weight_decay=0.01 as t" },
    { "window", "windows|sliding window|warm-up", "W consecutive points of a series taken as one row",
      "`window size=W` lets any detector see shapes, not points: row t holds the W\n"
      "values ending at t; a point's score is the max (or mean) of the windows that\n"
      "cover it.  Sequence models window the series themselves (window=); their\n"
      "first W points have no score (the warm-up).  shows it: window size=24" },
    { "stride", NULL, "the step between consecutive windows",
      "stride=S starts a window every S points: S=1 overlaps fully, S=W tiles the\n"
      "series.  A larger stride is faster but can straddle an anomaly badly.\n"
      "shows it: window size=24 stride=12" },
    { "split", "train|validation|test|train/test split", "training, validation and test rows",
      "Detectors fit on the training rows; thresholds and choices may use the\n"
      "validation rows; the test rows are looked at once, to report.  Metrics default\n"
      "to the test rows.  shows it: split train=0.6 val=0.2 test=0.2" },
    { "stratified-split", "stratify|stratified", "a random split keeping the anomaly share in every part",
      "stratify=yes draws each part so its anomaly share is within one row of the\n"
      "whole: with 2% anomalies a plain random test part could hold 1% or 3%.\n"
      "shows it: split train=0.6 test=0.4 stratify=yes" },
    { "time-ordered-split", "order=time|chronological", "train on the past, test on the future",
      "For a series, a random split lets the model see the future of every test\n"
      "point: split order=time keeps train before val before test.\n"
      "shows it: split train=0.5 test=0.5 order=time" },
    { "cross-validation", "cv|folds|k-fold|rolling origin|search", "scoring a configuration on rows its fit never saw",
      "The training rows are cut into K folds; each configuration is fitted K times,\n"
      "on all folds but one, and scored on the one left out (rolling origin on a\n"
      "series: fit on the past, score the next block).  Steps fitted on rows (scale,\n"
      "pca, clean) are refitted inside each fold.  Reference: Stone 1974.\n"
      "shows it: search kmeans k=2..8 folds=5 metric=ap" },
    { "leakage", "data leakage", "information from the evaluation rows reaching the fit",
      "Fitting anything on rows you then judge on (a scaler's mean, a PCA, a\n"
      "threshold, a choice of k) makes the numbers look better than the detector will\n"
      "be.  oddity fits scale, pca, clean and detectors on the training rows only.\n"
      "Reference: Kaufman et al., TKDD 2012.  shows it: split ...; scale zscore" },
    { "train-on-normal", "fit=normal|semi-supervised|novelty detection", "fitting on rows known (or believed) normal",
      "fit=normal fits on the training rows labelled 0 (or pseudo-labelled 0): the\n"
      "semi-supervised setting, where the model learns normality unpolluted.  It uses\n"
      "labels, so say so when you report it.\n"
      "shows it: detect gauss fit=normal as gn" },
    { "pseudo-labels", "pseudolabel|pseudo_label|mean split", "labels made without labels",
      "`pseudolabel mean k=3` marks rows whose Mahalanobis distance from the training\n"
      "mean exceeds k as pseudo-anomalies; fit=normal then fits on the rest, and\n"
      "metrics labels=pseudo measures against them (never confuse them with truth).\n"
      "shows it: pseudolabel mean k=3; metrics km labels=pseudo" },
    { "zscore", "z-score|standardise|standardize|scaling", "scaling to mean 0 and sd 1",
      "z = (x - mean) / sd per column, mean and sd from the training rows.  Without\n"
      "it a column in thousands outweighs one in fractions in every distance.\n"
      "minmax maps to [0, 1]; robust uses the median and IQR (outliers barely move it).\n"
      "shows it: scale zscore; scale robust" },
    { "clip", "winsorise|winsorize|clipping", "capping extreme values",
      "clean clip=K caps values at K sd, clip=LO,HI at quantiles.  It also shrinks\n"
      "the anomalies you are looking for: clean reports how many labelled anomalies\n"
      "were clipped.  shows it: clean clip=0.01,0.99" },
    { "missing-values", "missing|nan|imputation", "cells without a value",
      "Detectors refuse missing values: `clean missing=drop|mean|median|interpolate|\n"
      "ffill` treats them (mean and median from the training rows).  Dropping rows may\n"
      "drop anomalies: clean says how many.  shows it: describe; clean missing=median" },
    { "imbalance", "imbalanced|rare|base rate", "anomalies are few",
      "With 1-2% anomalies accuracy and ROC-AUC look good too easily; AP, F1 and MCC\n"
      "show the difference, and their chance level is the anomaly share.\n"
      "shows it: describe; plot roc km; plot pr km" },
    { "seed", "random seed|reproducible", "the one number behind every random choice",
      "set seed=N (or --seed): splits, k-means++ seeding, network weights... all\n"
      "derive from it, so a script replays to bit-identical numbers.\n"
      "shows it: set seed=7" },
    { "lineage", "version|versions|undo", "the chain of transforms behind the current data",
      "Each transform (clean, scale, pca, window, split...) makes a new version of\n"
      "the dataset; `undo` steps back one; `lineage` lists them.\n"
      "shows it: lineage; undo" },
    { NULL, NULL, NULL, NULL }
};

/* term or alias, case-insensitive; '_' and '-' and ' ' match each other */
static int same(const char *a, const char *b, size_t bl)
{
    size_t i;
    for (i = 0; a[i] && i < bl; i++) {
        char x = a[i], y = b[i];
        if (x == '-' || x == ' ') x = '_';
        if (y == '-' || y == ' ') y = '_';
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return !a[i] && i == bl;
}

const cmd_glossary_entry *cmd_glossary_find(const char *term)
{
    for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++)
        if (same(term, g->term, strlen(g->term))) return g;
    for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++) {
        for (const char *p = g->aliases; p && *p;) {
            const char *e = strchr(p, '|');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (same(term, p, l)) return g;
            p = e ? e + 1 : p + l;
        }
    }
    return NULL;
}

void cmd_glossary_print(FILE *fp, const cmd_glossary_entry *g)
{
    fprintf(fp, "%s — %s\n", g->term, g->title);
    for (const char *p = g->text;;) {
        const char *e = strchr(p, '\n');
        fprintf(fp, "  %.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
        if (!e) break;
        p = e + 1;
    }
    if (g->aliases) {
        fprintf(fp, "  (also: ");
        for (const char *p = g->aliases; *p; p++) fputs(*p == '|' ? ", " : (char[2]){ *p, 0 }, fp);
        fprintf(fp, ")\n");
    }
}

void cmd_glossary_list(FILE *fp)
{
    fprintf(fp, "glossary (help TERM, or help glossary TERM, explains one):\n");
    for (const cmd_glossary_entry *g = cmd_glossary; g->term; g++) fprintf(fp, "  %-18s %s\n", g->term, g->title);
}
