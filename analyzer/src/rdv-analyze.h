/* SPDX-License-Identifier: MIT */
/*
 * The rdv analysis library, Babeltrace2 side: run the analysis of one or
 * more LTTng traces and write the requested outputs. Used by the rdv-analyze
 * CLI and by rdv-view (which analyzes a trace directory in-process to a
 * temporary timeline file). The sink.rdv.analyze plugin shares the state
 * machine underneath.
 */
#ifndef RDV_ANALYZE_H
#define RDV_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called now and then while reading: events read so far, and the fraction
 * of the trace's time span covered (0..1, or -1 when unknown). */
typedef void (*rdv_analyze_progress_fn)(void *arg, uint64_t events, double fraction);

struct rdv_analyze_options {
	const char *const *traces; /* trace paths (directories LTTng wrote) */
	size_t ntraces;
	const char *json_path; /* NULL: not written */
	const char *csv_path;
	const char *chrome_path;
	const char *timeline_path;
	const char *compare_path;	  /* a previous --json report to compare with */
	int print_report;		  /* non-zero: human report on stdout */
	rdv_analyze_progress_fn progress; /* may be NULL */
	void *progress_arg;
};

/* Runs the analysis. Returns 0, or -1 with a one-line reason in errbuf
 * (e.g. "cannot read trace 'x': no CTF metadata found"). */
int rdv_analyze_run(const struct rdv_analyze_options *opts, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RDV_ANALYZE_H */
