/* SPDX-License-Identifier: MIT */
/*
 * The live analysis (rdv-analyze.h, rdv_live_*): the front end over an
 * lttng-live session, feeding a session whose timeline output is a rolling
 * window (tl-output.h). A relay or session not there yet is asked for again
 * at the next step, with a new graph and the same analysis.
 */
#include "rdv-analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "session.h"
#include "tl-output.h"

struct rdv_live {
	char *url;		     /* owned */
	struct session *s;	     /* owned */
	struct frontend *f;	     /* owned: the current graph, or NULL */
	bt_interrupter *interrupter; /* owned: shared by every graph */
	uint64_t kept, dropped;
};

int rdv_live_open(const struct rdv_live_options *o, struct rdv_live **out, char *errbuf,
		  size_t errlen)
{
	struct session_options so = {
	    .accept_empty = true,
	    .timeline_window = true,
	    .event_time = o->event_time,
	    .event_time_arg = o->arg,
	};
	struct rdv_live *l;
	int ret;

	*out = NULL;
	if (strncmp(o->url, "net://", 6) != 0 && strncmp(o->url, "net4://", 7) != 0 &&
	    strncmp(o->url, "net6://", 7) != 0) {
		snprintf(errbuf, errlen,
			 "bad live URL '%s': want net://HOST[:PORT]/host/HOSTNAME/SESSION", o->url);
		return -EINVAL;
	}
	if (!strstr(o->url, "/host/")) {
		snprintf(errbuf, errlen,
			 "bad live URL '%s': no /host/HOSTNAME/SESSION part (list the sessions "
			 "with: babeltrace2 --input-format=lttng-live net://HOST)",
			 o->url);
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l || !(l->url = strdup(o->url)) || !(l->interrupter = bt_interrupter_create())) {
		snprintf(errbuf, errlen, "out of memory");
		rdv_live_close(l);
		return -ENOMEM;
	}
	ret = session_create(&so, &l->s, errbuf, errlen);
	if (ret) {
		rdv_live_close(l);
		return ret;
	}
	*out = l;
	return 0;
}

void rdv_live_close(struct rdv_live *l)
{
	if (!l) {
		return;
	}
	frontend_close(l->f);
	session_destroy(l->s);
	bt_interrupter_put_ref(l->interrupter);
	free(l->url);
	free(l);
}

void rdv_live_interrupt(struct rdv_live *l)
{
	bt_interrupter_set(l->interrupter);
}

/* Drops the graph; the analysis goes on with the next one. */
static void drop_graph(struct rdv_live *l)
{
	frontend_close(l->f);
	l->f = NULL;
}

enum rdv_live_step rdv_live_step(struct rdv_live *l, char *why, size_t whylen)
{
	bool received;

	why[0] = '\0';
	if (session_ended(l->s)) {
		return RDV_LIVE_END;
	}
	if (!l->f && frontend_open_live(l->url, l->s, l->interrupter, &l->f, why, whylen)) {
		return RDV_LIVE_ERROR;
	}
	received = session_messages(l->s) > 0;
	switch (frontend_run_once(l->f, why, whylen)) {
	case FRONTEND_OK:
		return RDV_LIVE_OK;
	case FRONTEND_AGAIN:
		return RDV_LIVE_AGAIN;
	case FRONTEND_END:
		if (!received && session_messages(l->s) == 0) {
			/* the relay does not know the session (yet) */
			drop_graph(l);
			snprintf(why, whylen, "no such session on the relay (yet)");
			return RDV_LIVE_NOT_YET;
		}
		drop_graph(l);
		if (session_end(l->s)) {
			snprintf(why, whylen, "%s", session_error(l->s));
			return RDV_LIVE_ERROR;
		}
		return RDV_LIVE_END;
	case FRONTEND_ERROR:
	default:
		if (session_messages(l->s) == 0 && !session_error(l->s)[0]) {
			drop_graph(l); /* no relay (yet) at that address */
			return RDV_LIVE_NOT_YET;
		}
		drop_graph(l);
		return RDV_LIVE_ERROR;
	}
}

void rdv_live_get_info(const struct rdv_live *l, struct rdv_live_info *out)
{
	memset(out, 0, sizeof(*out));
	session_counts(l->s, &out->events, &out->discarded_events, &out->last_event_ns);
	out->has_time = out->events > 0;
	out->messages = session_messages(l->s);
	out->kept_intervals = l->kept;
	out->dropped_intervals = l->dropped;
}

int rdv_live_write_snapshot(struct rdv_live *l, const char *path, uint64_t window_ns, char *errbuf,
			    size_t errlen)
{
	return tl_output_snapshot(session_window(l->s), path, window_ns, &l->kept, &l->dropped,
				  errbuf, errlen);
}
