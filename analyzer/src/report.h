/* SPDX-License-Identifier: MIT */
/*
 * Reports of a finished analysis: the human report, the JSON report
 * (DESIGN.md §4, "rdv-analyze/2") and the comparison with a previous JSON
 * report. No Babeltrace2 here. Functions return 0 or a negative errno value
 * (with a reason in err for report_compare) and never exit.
 */
#ifndef RDV_REPORT_H
#define RDV_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "analysis.h"
#include "mini-json.h"
#include "outputs.h"
#include "rdv-analyze.h"

#define REPORT_FORMAT "rdv-analyze/2"

/* extra: the stalls and longest waits the outputs kept (may be NULL). */
int report_write_json(const struct analysis *a, const struct outputs_extra *extra, FILE *f);
int report_print_text(const struct analysis *a, const struct outputs_extra *extra, FILE *f);

/* A site for people, in one line: `function (file:line)` (the file's base
 * name), else what is known (`object+0xoffset`, `0xaddress`); "?" for 0. */
#define REPORT_SITE_LABEL 512
void report_site_label(const struct analysis *a, uint32_t site, char *buf, size_t len);
/* Reads a previous JSON report for report_compare() (before the analysis
 * runs: a bad file is an early error). */
int report_read(const char *path, struct mj_value **out, char *err, size_t errlen);
/* Compares this analysis' latency distributions with those of a previous
 * JSON report and prints which percentiles moved. */
int report_compare(const struct analysis *a, const struct mj_value *old, const char *old_path,
		   FILE *f);
/* The totals rdv_analyze_run() hands back (rdv-analyze.h). */
void report_totals(const struct analysis *a, struct rdv_analyze_totals *t);

#endif /* RDV_REPORT_H */
