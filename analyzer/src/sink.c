/* SPDX-License-Identifier: MIT */
#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdv-analyze.h"
#include "session.h"

struct rdv_sink {
	struct session *session; /* owned when own_session, else weak */
	int own_session;
	bt_message_iterator *iter; /* owned */
};

/* The parameters, as the CLI's options (rdv-analyze --help). */
enum param {
	P_JSON,
	P_CSV,
	P_CHROME,
	P_TIMELINE,
	P_COMPARE,
	P_ISOLATIONS,
	P_DEBUG_DIR,
	P_PREFIX,
	P_FROM,
	P_TO,
	P_NSTRINGS, /* the ones above are strings */
	P_TOP = P_NSTRINGS,
	P_PID,
	P_DOMAIN,
	P_NINTS, /* those are integers >= 0 */
	P_PRINT_REPORT = P_NINTS,
	P_N,
};

static const char *const param_names[P_N] = {
    "json-path",
    "csv-path",
    "chrome-path",
    "timeline-path",
    "compare-path",
    "isolations-path",
    "debug-info-dir",
    "target-prefix",
    "from",
    "to",
    "top",
    "pid",
    "domain",
    "print-report",
};

static int param_error(bt_self_component_sink *self, const char *fmt, const char *name)
{
	BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
	    bt_self_component_sink_as_self_component(self), fmt, name);
	return -1;
}

static int int_param(bt_self_component_sink *self, const bt_value *v, const char *name,
		     uint64_t max, uint64_t *out)
{
	if (bt_value_get_type(v) == BT_VALUE_TYPE_UNSIGNED_INTEGER) {
		*out = bt_value_integer_unsigned_get(v);
	} else if (bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER &&
		   bt_value_integer_signed_get(v) >= 0) {
		*out = (uint64_t)bt_value_integer_signed_get(v);
	} else {
		return param_error(self, "parameter '%s' must be an integer >= 0", name);
	}
	if (*out > max) {
		return param_error(self, "parameter '%s' is too large", name);
	}
	return 0;
}

static int time_param(bt_self_component_sink *self, const char *text, const char *name,
		      uint64_t *ns)
{
	if (rdv_analyze_parse_time(text, ns)) {
		return param_error(self,
				   "parameter '%s' is not a time (a number and a unit: ns, us, "
				   "ms, s; e.g. \"1.5s\")",
				   name);
	}
	return 0;
}

/* Plugin parameters -> options (strings borrowed from params). */
static int options_from_params(bt_self_component_sink *self, const bt_value *params,
			       struct session_options *o)
{
	const char *strings[P_NSTRINGS] = {NULL};
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->print_report = true;
	o->finish_at_end = true;
	if (!params || bt_value_get_type(params) != BT_VALUE_TYPE_MAP) {
		return 0;
	}
	for (int i = 0; i < P_N; i++) {
		const bt_value *val = bt_value_map_borrow_entry_value_const(params, param_names[i]);

		if (!val) {
			continue;
		}
		if (i < P_NSTRINGS) {
			if (bt_value_get_type(val) != BT_VALUE_TYPE_STRING) {
				return param_error(self, "parameter '%s' must be a string",
						   param_names[i]);
			}
			strings[i] = bt_value_string_get(val);
		} else if (i < P_NINTS) {
			if (int_param(self, val, param_names[i], i == P_TOP ? 1000000 : UINT32_MAX,
				      &v)) {
				return -1;
			}
			if (i == P_TOP) {
				o->top = (unsigned)v;
			} else if (i == P_PID) {
				o->scope.has_vpid = true;
				o->scope.vpid = (uint32_t)v;
			} else {
				o->scope.has_domain = true;
				o->scope.domain = (uint32_t)v;
			}
		} else {
			if (bt_value_get_type(val) != BT_VALUE_TYPE_BOOL) {
				return param_error(self, "parameter '%s' must be a boolean",
						   param_names[i]);
			}
			o->print_report = bt_value_bool_get(val);
		}
	}
	o->json_path = strings[P_JSON];
	o->csv_path = strings[P_CSV];
	o->chrome_path = strings[P_CHROME];
	o->timeline_path = strings[P_TIMELINE];
	o->compare_path = strings[P_COMPARE];
	o->isolations_path = strings[P_ISOLATIONS];
	o->debug_info_dir = strings[P_DEBUG_DIR];
	o->target_prefix = strings[P_PREFIX];
	if (strings[P_FROM]) {
		o->scope.has_from = true;
		if (time_param(self, strings[P_FROM], "from", &o->scope.from_ns)) {
			return -1;
		}
	}
	if (strings[P_TO]) {
		o->scope.has_to = true;
		if (time_param(self, strings[P_TO], "to", &o->scope.to_ns)) {
			return -1;
		}
	}
	if (o->scope.has_from && o->scope.has_to && o->scope.from_ns > o->scope.to_ns) {
		return param_error(self, "parameter '%s' is after 'to'", "from");
	}
	return 0;
}

static bt_value_map_foreach_entry_const_func_status check_param(const char *key, const bt_value *v,
								void *data)
{
	(void)v;
	(void)data;
	for (int i = 0; i < P_N; i++) {
		if (strcmp(key, param_names[i]) == 0) {
			return BT_VALUE_MAP_FOREACH_ENTRY_CONST_FUNC_STATUS_OK;
		}
	}
	BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(
	    "sink.rdv.analyze",
	    "unknown parameter '%s' (expected json-path, csv-path, chrome-path, timeline-path, "
	    "compare-path, isolations-path, top, from, to, pid, domain, debug-info-dir, "
	    "target-prefix, print-report)",
	    key);
	return BT_VALUE_MAP_FOREACH_ENTRY_CONST_FUNC_STATUS_ERROR;
}

bt_component_class_initialize_method_status
rdv__sink_initialize(bt_self_component_sink *self, bt_self_component_sink_configuration *config,
		     const bt_value *params, void *init_data)
{
	struct rdv_sink *sink = calloc(1, sizeof(*sink));
	bt_component_class_initialize_method_status status =
	    BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	char err[512];

	(void)config;
	if (!sink) {
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	if (init_data) {
		sink->session = init_data;
	} else {
		struct session_options o;

		if (params && bt_value_get_type(params) == BT_VALUE_TYPE_MAP &&
		    bt_value_map_foreach_entry_const(params, check_param, NULL)) {
			goto error;
		}
		if (options_from_params(self, params, &o)) {
			goto error;
		}
		if (session_create(&o, &sink->session, err, sizeof(err))) {
			BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
			    bt_self_component_sink_as_self_component(self), "%s", err);
			goto error;
		}
		sink->own_session = 1;
	}
	if (bt_self_component_sink_add_input_port(self, "in", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
		goto error;
	}
	bt_self_component_set_data(bt_self_component_sink_as_self_component(self), sink);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
error:
	if (sink->own_session) {
		session_destroy(sink->session);
	}
	free(sink);
	return status;
}

void rdv__sink_finalize(bt_self_component_sink *self)
{
	struct rdv_sink *sink =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (!sink) {
		return;
	}
	bt_message_iterator_put_ref(sink->iter);
	if (sink->own_session) {
		session_destroy(sink->session);
	}
	free(sink);
}

bt_component_class_sink_graph_is_configured_method_status
rdv__sink_graph_is_configured(bt_self_component_sink *self)
{
	struct rdv_sink *sink =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_self_component_port_input *port =
	    bt_self_component_sink_borrow_input_port_by_name(self, "in");

	if (bt_message_iterator_create_from_sink_component(self, port, &sink->iter) !=
	    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
		BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
		    bt_self_component_sink_as_self_component(self),
		    "cannot create the input message iterator");
		return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	}
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

bt_component_class_sink_consume_method_status rdv__sink_consume(bt_self_component_sink *self)
{
	struct rdv_sink *sink =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_message_array_const msgs;
	uint64_t count = 0, i;
	int failed = 0;

	switch (bt_message_iterator_next(sink->iter, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		if (session_finishes_at_end(sink->session) && session_end(sink->session)) {
			BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
			    bt_self_component_sink_as_self_component(self), "%s",
			    session_error(sink->session));
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		}
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
	default:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	}
	for (i = 0; i < count; i++) {
		if (!failed && session_feed(sink->session, msgs[i])) {
			failed = 1;
		}
		bt_message_put_ref(msgs[i]);
	}
	if (failed) {
		BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
		    bt_self_component_sink_as_self_component(self), "%s",
		    session_error(sink->session));
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	}
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

bt_component_class_sink *rdv__sink_class_create(void)
{
	bt_component_class_sink *cls = bt_component_class_sink_create("analyze", rdv__sink_consume);

	if (!cls) {
		return NULL;
	}
	if (bt_component_class_sink_set_initialize_method(cls, rdv__sink_initialize) ||
	    bt_component_class_sink_set_finalize_method(cls, rdv__sink_finalize) ||
	    bt_component_class_sink_set_graph_is_configured_method(cls,
								   rdv__sink_graph_is_configured)) {
		bt_component_class_sink_put_ref(cls);
		return NULL;
	}
	return cls;
}
