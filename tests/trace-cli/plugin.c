/* SPDX-License-Identifier: MIT */
/* An object that `workload dlopen` loads after start (tests/trace-cli). */
int rdv_trace_test_plugin(void);

int rdv_trace_test_plugin(void)
{
	return 42;
}
