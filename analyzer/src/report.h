/* SPDX-License-Identifier: MIT */
/*
 * Reports of a finished analysis: the human report, the JSON report
 * (DESIGN.md §4, "rdv-analyze/1") and the comparison with a previous JSON
 * report. No Babeltrace2 here. Functions return 0 or a negative errno value
 * (with a reason in err for report_compare) and never exit.
 */
#ifndef RDV_REPORT_H
#define RDV_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "analysis.h"

#define REPORT_FORMAT "rdv-analyze/1"

int report_write_json(const struct analysis *a, FILE *f);
int report_print_text(const struct analysis *a, FILE *f);
/* Compares this analysis' latency distributions with those of a previous
 * JSON report and prints which percentiles moved. */
int report_compare(const struct analysis *a, const char *other_path, FILE *f, char *err,
		   size_t errlen);

#endif /* RDV_REPORT_H */
