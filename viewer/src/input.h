/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's input: turns SDL events into view commands. Keeps only the
 * state of a gesture in progress (a drag).
 */
#ifndef RDV_VIEW_INPUT_H
#define RDV_VIEW_INPUT_H

#include <SDL.h>
#include <stdbool.h>

#include "model.h"
#include "view.h"

struct tl_input {
	bool dragging, moved;
	int down_x, down_y, last_x;
	bool quit;
};

/* Applies one event; returns true when the picture must be redrawn. */
bool input_handle(struct tl_input *in, const SDL_Event *e, struct tl_view *v,
		  const struct tl_model *m, const struct tl_layout *lo);

#endif /* RDV_VIEW_INPUT_H */
