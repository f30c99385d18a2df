/* SPDX-License-Identifier: MIT */
#include "trace-check.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "metadata-check.h"

bt_component_class_query_method_status rdv__check_query(bt_self_component_class_source *cls,
							bt_private_query_executor *qe,
							const char *object, const bt_value *params,
							void *method_data, const bt_value **result)
{
	const bt_value *input, *type;
	char meta[4200], why[512];
	struct stat st;

	(void)qe;
	(void)method_data;
	if (strcmp(object, "babeltrace.support-info") != 0) {
		return BT_COMPONENT_CLASS_QUERY_METHOD_STATUS_UNKNOWN_OBJECT;
	}
	input = params ? bt_value_map_borrow_entry_value_const(params, "input") : NULL;
	type = params ? bt_value_map_borrow_entry_value_const(params, "type") : NULL;
	if (input && type && bt_value_is_string(input) && bt_value_is_string(type) &&
	    strcmp(bt_value_string_get(type), "directory") == 0 &&
	    (size_t)snprintf(meta, sizeof(meta), "%s/metadata", bt_value_string_get(input)) <
		sizeof(meta) &&
	    stat(meta, &st) == 0 && S_ISREG(st.st_mode) &&
	    metadata_check_file(meta, why, sizeof(why)) != 0) {
		BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT_CLASS(
		    bt_self_component_class_source_as_self_component_class(cls),
		    "cannot read trace '%s': %s", bt_value_string_get(input), why);
		return BT_COMPONENT_CLASS_QUERY_METHOD_STATUS_ERROR;
	}
	*result = bt_value_real_create_init(0.0); /* never claims an input */
	return *result ? BT_COMPONENT_CLASS_QUERY_METHOD_STATUS_OK
		       : BT_COMPONENT_CLASS_QUERY_METHOD_STATUS_MEMORY_ERROR;
}

bt_message_iterator_class_next_method_status rdv__check_next(bt_self_message_iterator *it,
							     bt_message_array_const msgs,
							     uint64_t capacity, uint64_t *count)
{
	(void)it;
	(void)msgs;
	(void)capacity;
	*count = 0;
	return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END; /* no port: never called */
}
