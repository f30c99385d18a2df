/* SPDX-License-Identifier: MIT */
/*
 * The sink component class `analyze`: consumes one input port and feeds a
 * session (session.h). The front end (frontend.c) creates the class at run
 * time and passes its session as initialization data; the plugin (plugin.c)
 * declares the same methods, and the component then makes its own session
 * from its parameters.
 */
#ifndef RDV_SINK_H
#define RDV_SINK_H

#include <babeltrace2/babeltrace.h>

bt_component_class_initialize_method_status
rdv__sink_initialize(bt_self_component_sink *self, bt_self_component_sink_configuration *config,
		     const bt_value *params, void *init_data);
void rdv__sink_finalize(bt_self_component_sink *self);
bt_component_class_sink_graph_is_configured_method_status
rdv__sink_graph_is_configured(bt_self_component_sink *self);
bt_component_class_sink_consume_method_status rdv__sink_consume(bt_self_component_sink *self);

/* The class, for the CLI's own graph (a new reference). */
bt_component_class_sink *rdv__sink_class_create(void);

#endif /* RDV_SINK_H */
