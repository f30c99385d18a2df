/* SPDX-License-Identifier: MIT */
/*
 * A plugin for sym_workload, built several ways (debug information inside,
 * split by build id, split by debug link, stripped) so that each way of
 * finding debug information is exercised on real objects. plugin_run() is
 * exported (in .dynsym even when stripped); plugin_step() is static (only in
 * .symtab, gone when stripped: its callers must then resolve to no function,
 * never to a neighbour's name). SYM_VARIANT names the build, so that every
 * build has its own build id.
 */
#include <rdv/rdv.h>

const char *plugin_variant(void);
void plugin_run(struct rdv_thread *me);

#ifdef SYM_PLUGIN_OTHER
/* Another build of the same object: every line below moves, so a file of
 * this build taken for the traced one would give wrong lines. */
int plugin_other(int x);
int plugin_other(int x)
{
	return x * 3 + 1;
}
#endif

const char *plugin_variant(void)
{
	return SYM_VARIANT;
}

static __attribute__((noinline)) void plugin_step(struct rdv_thread *me)
{
	rdv_idle_now(me); /* @site plugin_step */
	rdv_idle_end(me); /* @site plugin_step */
}

void plugin_run(struct rdv_thread *me)
{
	rdv_harmless_now(me); /* @site plugin_run */
	rdv_harmless_end(me); /* @site plugin_run */
	plugin_step(me);
}
