/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's rendering: draws a const model with a const view into an SDL
 * renderer (a window's, or a software renderer on a surface for
 * --screenshot and the benchmark). Holds only drawing resources.
 */
#ifndef RDV_VIEW_RENDER_H
#define RDV_VIEW_RENDER_H

#include <SDL.h>

#include "model.h"
#include "text.h"
#include "view.h"

struct tl_render {
	SDL_Renderer *r;		   /* weak */
	struct text_font fonts[TL_NFONTS]; /* owned */
	struct tl_bucket *buckets;	   /* owned scratch, cap entries */
	unsigned cap;
	SDL_Rect *rects[RDV_TL_NSTATES + 1]; /* owned scratch per colour */
	unsigned nrects[RDV_TL_NSTATES + 1];
	unsigned rects_cap;
	const char *title; /* weak: the file shown */
	/* Texts of the last frame that did not fit their place and were cut
	 * with "…" (the layout should leave none: a test checks it). */
	unsigned clipped;
};

int render_init(struct tl_render *rd, SDL_Renderer *r, char *errbuf, size_t errlen);
void render_fini(struct tl_render *rd);

/* Text measures for view_layout(). */
void render_metrics(struct tl_render *rd, struct tl_metrics *out);

void render_frame(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		  const struct tl_layout *lo);

/* A full-window message (an error, or progress while analyzing when
 * fraction >= 0). */
void render_message(struct tl_render *rd, int width, int height, const char *title, const char *msg,
		    double fraction);

/* The colour of a state (tests check these at known pixels). */
SDL_Color render_state_color(uint8_t state);

#endif /* RDV_VIEW_RENDER_H */
