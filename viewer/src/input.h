/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's input: turns SDL events into view commands. Every key and
 * mouse gesture of rdv-view is here, those of live mode included. Keeps
 * only the state of a gesture in progress (a drag, a measurement).
 */
#ifndef RDV_VIEW_INPUT_H
#define RDV_VIEW_INPUT_H

#include <SDL.h>
#include <stdbool.h>

#include "model.h"
#include "view.h"

struct tl_input {
	/* Shift as of the events handled so far: SDL_GetModState() says what
	 * it is after every queued event, not at the one being handled. */
	bool shift;
	bool dragging, moved, measuring;
	int down_x, down_y, last_x;
	uint64_t down_ns;
};

/* What input_handle() asks of the event loop. */
enum {
	INPUT_REDRAW = 1,  /* the picture changed */
	INPUT_QUIT = 2,	   /* close the window */
	INPUT_WINDOW = 4,  /* live: v->window_s changed */
	INPUT_FOLLOW = 8,  /* live: follow the newest data again */
	INPUT_RESIZE = 16, /* the window's size changed: lay out again */
};

/* Applies one event to the view; m is NULL while there is nothing to show
 * yet (a trace being analyzed, a live session connecting): then only the
 * keys that need no model act. Returns INPUT_* flags. */
unsigned input_handle(struct tl_input *in, const SDL_Event *e, struct tl_view *v,
		      const struct tl_model *m, const struct tl_layout *lo);

#endif /* RDV_VIEW_INPUT_H */
