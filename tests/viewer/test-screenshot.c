/* SPDX-License-Identifier: MIT */
/*
 * Checks a rdv-view --screenshot of the "blocks" synthetic timeline
 * (synth-timeline.c: lane i is in state (i + j) % 7 during block j): the
 * pixel at the middle of each block of each lane must have the colour of
 * that state. Geometry comes from the viewer's own layout code.
 * Usage: test-screenshot PNG TIMELINE WIDTH HEIGHT FROM_NS TO_NS AT_NS
 */
#include "model.h"
#include "render.h"
#include "view.h"

#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK_NS 10000u

int main(int argc, char **argv)
{
	struct tl_model m;
	struct tl_view v;
	struct tl_layout lo;
	struct tl_metrics met;
	struct tl_render rd;
	struct tl_slot slots[64];
	unsigned nslots;
	SDL_Surface *img, *px, *surf;
	SDL_Renderer *rr;
	char err[256];
	int width, height, failures = 0, checked = 0;
	uint64_t from, to;

	if (argc != 8) {
		fprintf(stderr,
			"usage: test-screenshot PNG TIMELINE WIDTH HEIGHT FROM_NS TO_NS AT_NS\n");
		return 2;
	}
	width = atoi(argv[3]);
	height = atoi(argv[4]);
	from = strtoull(argv[5], NULL, 0);
	to = strtoull(argv[6], NULL, 0);
	if (timeline_model_open(&m, argv[2], err, sizeof(err)) != 0) {
		fprintf(stderr, "test-screenshot: cannot open %s: %s\n", argv[2], err);
		return 1;
	}
	img = IMG_Load(argv[1]);
	if (!img) {
		fprintf(stderr, "test-screenshot: cannot read %s: %s\n", argv[1], IMG_GetError());
		return 1;
	}
	px = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0);
	if (!px || px->w != width || px->h != height) {
		fprintf(stderr, "test-screenshot: %s is not %dx%d\n", argv[1], width, height);
		return 1;
	}
	/* The same view rdv-view makes of --from/--to, laid out with the same
	 * fonts. */
	if (SDL_Init(0) < 0 ||
	    !(surf =
		  SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888)) ||
	    !(rr = SDL_CreateSoftwareRenderer(surf)) ||
	    render_init(&rd, rr, err, sizeof(err)) < 0) {
		fprintf(stderr, "test-screenshot: cannot set up the renderer: %s\n",
			SDL_GetError());
		return 1;
	}
	render_metrics(&rd, &met);
	view_init(&v, &m);
	view_set_range(&v, &m, m.t_min + from, m.t_min + to);
	view_set_cursor(&v, &m, m.t_min + strtoull(argv[7], NULL, 0));
	view_layout(&lo, &met, width, height, &v, &m);
	nslots = view_slots(&v, &lo, slots, 64);
	for (unsigned si = 0; si < nslots; si++) {
		const struct tl_drow *d = &v.drows[slots[si].drow];
		uint32_t lane = d->lane;
		int y = slots[si].y + slots[si].h / 2;

		if (d->kind != TL_DROW_LANE || slots[si].sticky_header) {
			continue;
		}

		for (uint32_t j = 0; j < 7; j++) {
			/* Three points per block: a quarter, the middle, three quarters. */
			for (uint32_t q = 1; q <= 3; q++) {
				uint64_t t = m.t_min + j * BLOCK_NS + q * BLOCK_NS / 4;
				double xf = view_ns_to_x(&v, &lo, t);
				int x = (int)xf;
				SDL_Color want = render_state_color((uint8_t)((lane + j) % 7));
				Uint32 p;
				Uint8 r, g, b;

				if (t < v.t0 + 1 || t >= v.t1 || x <= lo.lanes_x + 2 ||
				    x >= lo.lanes_x + lo.lanes_w - 2) {
					continue;
				}
				/* Keep off block edges (a mixed column) and the cursor. */
				if (view_ns_to_x(&v, &lo, m.t_min + j * BLOCK_NS) > x - 3 ||
				    view_ns_to_x(&v, &lo, m.t_min + (j + 1) * BLOCK_NS) < x + 3 ||
				    fabs(view_ns_to_x(&v, &lo, v.cursor_ns) - x) < 3) {
					continue;
				}
				p = ((Uint32 *)((Uint8 *)px->pixels + y * px->pitch))[x];
				SDL_GetRGB(p, px->format, &r, &g, &b);
				checked++;
				if (r != want.r || g != want.g || b != want.b) {
					fprintf(
					    stderr,
					    "lane %u block %u at (%d,%d): got #%02x%02x%02x, want "
					    "#%02x%02x%02x (%s)\n",
					    lane, j, x, y, r, g, b, want.r, want.g, want.b,
					    rdv_tl_state_name((enum rdv_tl_state)((lane + j) % 7)));
					failures++;
				}
			}
		}
	}
	SDL_FreeSurface(px);
	SDL_FreeSurface(img);
	render_fini(&rd);
	SDL_DestroyRenderer(rr);
	SDL_FreeSurface(surf);
	SDL_Quit();
	view_fini(&v);
	timeline_model_close(&m);
	if (checked < 7) {
		fprintf(stderr, "test-screenshot: only %d pixels checked\n", checked);
		return 1;
	}
	if (failures) {
		fprintf(stderr, "test-screenshot: %d of %d pixels wrong\n", failures, checked);
		return 1;
	}
	printf("test-screenshot: %d pixels ok\n", checked);
	return 0;
}
