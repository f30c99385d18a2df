/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's input: see input.h. Keys as in Perfetto / Tracy (WASD, F to
 * focus the selection); measurement with Shift+drag: Perfetto selects an area
 * with a plain drag and pans with Shift+drag, rdv-view keeps the plain drag
 * for panning (as it always did, and as in Trace Compass) and takes Shift for
 * the other gesture.
 */
#include "input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static bool in_rect(int x, int y, int rx, int ry, int rw, int rh)
{
	return x >= rx && x < rx + rw && y >= ry && y < ry + rh;
}

static bool in_lanes(const struct tl_layout *lo, int x, int y)
{
	return in_rect(x, y, lo->lanes_x, lo->axis_y, lo->lanes_w,
		       lo->lanes_y + lo->lanes_h - lo->axis_y);
}

static bool in_table(const struct tl_layout *lo, int x, int y)
{
	return lo->side_w && in_rect(x, y, lo->side_x, lo->table_y, lo->side_w, lo->table_h);
}

static bool in_info(const struct tl_layout *lo, int x, int y)
{
	return lo->side_w && lo->info_h &&
	       in_rect(x, y, lo->side_x, lo->info_y, lo->side_w, lo->info_h);
}

static bool in_masks(const struct tl_layout *lo, int x, int y)
{
	return in_rect(x, y, 0, lo->panel_y, lo->mask_w, lo->panel_h);
}

/* Zoom anchor: the time under the pointer, or the middle of the view. */
static uint64_t anchor(const struct tl_view *v, const struct tl_layout *lo)
{
	int x, y;

	SDL_GetMouseState(&x, &y);
	if (in_lanes(lo, x, y)) {
		return view_x_to_ns(v, lo, x);
	}
	return v->t0 + (v->t1 - v->t0) / 2;
}

/* A selection in live mode holds the picture: the next snapshot would
 * otherwise move the view away from it. */
static void hold_live(struct tl_view *v)
{
	if (v->live && v->selected >= 0) {
		v->paused = true;
	}
}

static void click_table(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
			int x, int y)
{
	struct tl_column cols[TL_NKEYS];
	unsigned n = view_table_columns(v, m, lo, cols, TL_NKEYS);

	if (y < lo->table_y + lo->table_row_h) {
		for (unsigned i = 0; i < n; i++) {
			if (x >= cols[i].x && x < cols[i].x + cols[i].w) {
				view_sort_table(v, m, cols[i].key);
				return;
			}
		}
		return;
	}
	{
		uint64_t row =
		    (uint64_t)(y - lo->table_y - lo->table_row_h - 2) / (uint64_t)lo->table_row_h;
		uint64_t pos = v->table_first + row;

		if (row < view_table_rows(lo) && pos < v->ntable) {
			view_select(v, m, v->table[pos], true);
			hold_live(v);
		}
	}
}

static void click(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo, int x,
		  int y)
{
	int64_t r;
	uint64_t t = view_x_to_ns(v, lo, x);
	enum tl_latency_kind kind;
	unsigned bucket;

	if (in_table(lo, x, y)) {
		click_table(v, m, lo, x, y);
		return;
	}
	if (view_hist_hit(m, lo, x, y, &kind, &bucket)) {
		if (!view_cycle_bucket(v, m, kind, bucket)) {
			snprintf(v->status, sizeof(v->status), "nothing in that bucket");
		}
		hold_live(v);
		return;
	}
	if (y >= lo->axis_y && y < lo->axis_y + lo->axis_h) {
		if (x >= lo->lanes_x && x < lo->lanes_x + lo->lanes_w) {
			view_set_cursor(v, m, t);
		}
		return;
	}
	r = view_y_to_drow(v, lo, y);
	if (r < 0 || x >= lo->lanes_x + lo->lanes_w) {
		return;
	}
	if (v->drows[r].kind == TL_DROW_GROUP) {
		view_toggle_group(v, m, v->drows[r].group);
		view_scroll_rows(v, lo, 0);
		return;
	}
	if (v->drows[r].kind != TL_DROW_LANE || x < lo->lanes_x) {
		return;
	}
	view_set_cursor(v, m, t);
	{
		/* Within 4 pixels: isolations can be thinner than a pixel. */
		uint64_t slack = (v->t1 - v->t0) * 4 / (uint64_t)lo->lanes_w;

		view_select_at(v, m, v->drows[r].lane, t, slack);
		hold_live(v);
	}
}

/* The lanes of the rows between y0 and y1 (on screen). */
static void measure(struct tl_input *in, struct tl_view *v, const struct tl_model *m,
		    const struct tl_layout *lo, int x, int y)
{
	struct tl_slot slots[512];
	uint32_t *lanes = malloc((m->info.nlanes ? m->info.nlanes : 1) * sizeof(*lanes));
	unsigned n = view_slots(v, lo, slots, 512);
	uint32_t nl = 0;
	int y0 = in->down_y < y ? in->down_y : y, y1 = in->down_y < y ? y : in->down_y;
	bool all = in->down_y < lo->lanes_y; /* from the axis: every lane */

	if (!lanes) {
		return;
	}
	if (all) {
		for (uint32_t i = 0; i < m->info.nlanes; i++) {
			lanes[nl++] = i;
		}
	}
	for (unsigned i = 0; !all && i < n; i++) {
		const struct tl_drow *d = &v->drows[slots[i].drow];

		if (d->kind == TL_DROW_LANE && !slots[i].sticky_header &&
		    slots[i].y + slots[i].h > y0 && slots[i].y <= y1 && nl < m->info.nlanes) {
			lanes[nl++] = d->lane;
		}
	}
	view_set_measure(v, m, in->down_ns, view_x_to_ns(v, lo, x), lanes, nl);
	free(lanes);
}

static unsigned live_key(SDL_Keycode sym, struct tl_view *v)
{
	switch (sym) {
	case SDLK_SPACE:
		v->paused = !v->paused;
		return INPUT_REDRAW | (v->paused ? 0 : INPUT_FOLLOW);
	case SDLK_MINUS:
	case SDLK_KP_MINUS:
	case SDLK_EQUALS:
	case SDLK_PLUS:
	case SDLK_KP_PLUS: {
		bool longer = sym == SDLK_MINUS || sym == SDLK_KP_MINUS;
		double w = longer ? v->window_s * 2 : v->window_s / 2;

		v->window_s = w < 0.1 ? 0.1 : w > 600 ? 600 : w;
		return INPUT_REDRAW | INPUT_WINDOW | (v->paused ? 0 : INPUT_FOLLOW);
	}
	default:
		return 0;
	}
}

static unsigned key(const SDL_KeyboardEvent *k, struct tl_view *v, const struct tl_model *m,
		    const struct tl_layout *lo)
{
	SDL_Keycode sym = k->keysym.sym;
	bool shift = k->keysym.mod & KMOD_SHIFT;
	unsigned r;

	/* Keys that need no model. */
	switch (sym) {
	case SDLK_q:
		return INPUT_QUIT;
	case SDLK_F1:
	case SDLK_QUESTION:
		v->help = !v->help;
		return INPUT_REDRAW;
	case SDLK_SLASH:
		if (shift) {
			v->help = !v->help;
			return INPUT_REDRAW;
		}
		return 0;
	default:
		break;
	}
	if (v->live && (r = live_key(sym, v)) != 0) {
		return r;
	}
	if (!m) {
		if (sym == SDLK_ESCAPE && v->help) {
			v->help = false;
			return INPUT_REDRAW;
		}
		return 0;
	}
	switch (sym) {
	case SDLK_w:
		view_zoom(v, m, 0.8, anchor(v, lo));
		break;
	case SDLK_s:
		view_zoom(v, m, 1.25, anchor(v, lo));
		break;
	case SDLK_a:
	case SDLK_LEFT:
		view_pan(v, m, shift ? -0.5 : -0.1);
		break;
	case SDLK_d:
	case SDLK_RIGHT:
		view_pan(v, m, shift ? 0.5 : 0.1);
		break;
	case SDLK_UP:
		view_scroll_rows(v, lo, -1);
		break;
	case SDLK_DOWN:
		view_scroll_rows(v, lo, 1);
		break;
	case SDLK_PAGEUP:
		view_scroll_rows(v, lo, -(int)(lo->lanes_h / lo->row_h));
		break;
	case SDLK_PAGEDOWN:
		view_scroll_rows(v, lo, (int)(lo->lanes_h / lo->row_h));
		break;
	case SDLK_f:
		if (shift) {
			view_fit(v, m);
		} else {
			view_focus(v, m);
		}
		break;
	case SDLK_0:
	case SDLK_KP_0:
		view_fit(v, m);
		break;
	case SDLK_HOME:
		view_home(v, m);
		break;
	case SDLK_END:
		view_end(v, m);
		break;
	case SDLK_SPACE:
		view_toggle_play(v, m);
		break;
	case SDLK_LEFTBRACKET:
		view_speed(v, 0.5);
		break;
	case SDLK_RIGHTBRACKET:
		view_speed(v, 2.0);
		break;
	case SDLK_n:
		view_select_next(v, m, 1);
		hold_live(v);
		break;
	case SDLK_p:
		view_select_next(v, m, -1);
		hold_live(v);
		break;
	case SDLK_x:
		view_select_worst(v, m, shift ? -1 : 1);
		hold_live(v);
		break;
	case SDLK_TAB:
		view_select_table_next(v, m, shift ? -1 : 1);
		hold_live(v);
		break;
	case SDLK_i:
		v->panel = !v->panel;
		break;
	case SDLK_o:
		view_toggle_focus_only(v, m);
		break;
	case SDLK_c:
		view_toggle_all_groups(v, m);
		break;
	case SDLK_m:
		if (shift) {
			v->nmarkers = 0;
		} else {
			view_toggle_marker(v, v->cursor_ns);
		}
		break;
	case SDLK_ESCAPE:
		if (v->help) {
			v->help = false;
		} else if (v->range) {
			view_clear_measure(v);
		} else {
			view_select(v, m, -1, false);
		}
		break;
	default:
		return 0;
	}
	view_scroll_rows(v, lo, 0);
	return INPUT_REDRAW;
}

unsigned input_handle(struct tl_input *in, const SDL_Event *e, struct tl_view *v,
		      const struct tl_model *m, const struct tl_layout *lo)
{
	if (v->failed) {
		/* An error on screen: read, then any key or click closes. */
		if (e->type == SDL_QUIT || e->type == SDL_KEYDOWN ||
		    e->type == SDL_MOUSEBUTTONDOWN) {
			return INPUT_QUIT;
		}
		return e->type == SDL_WINDOWEVENT ? INPUT_REDRAW | INPUT_RESIZE : 0;
	}
	switch (e->type) {
	case SDL_QUIT:
		return INPUT_QUIT;
	case SDL_KEYUP:
		if (e->key.keysym.sym == SDLK_LSHIFT || e->key.keysym.sym == SDLK_RSHIFT) {
			in->shift = false;
		}
		return 0;
	case SDL_KEYDOWN:
		if (e->key.keysym.sym == SDLK_LSHIFT || e->key.keysym.sym == SDLK_RSHIFT) {
			in->shift = true;
			return 0;
		}
		if (!v->live) {
			v->status[0] = '\0'; /* it said what the last command did */
		}
		return key(&e->key, v, m, lo);
	case SDL_WINDOWEVENT:
		switch (e->window.event) {
		case SDL_WINDOWEVENT_SIZE_CHANGED:
			return INPUT_RESIZE | INPUT_REDRAW;
		case SDL_WINDOWEVENT_LEAVE:
			v->hover = false;
			return INPUT_REDRAW;
		case SDL_WINDOWEVENT_EXPOSED:
			return INPUT_REDRAW;
		case SDL_WINDOWEVENT_FOCUS_GAINED:
			in->shift = SDL_GetModState() & KMOD_SHIFT;
			return 0;
		default:
			return 0;
		}
	default:
		break;
	}
	if (!m) {
		return 0;
	}
	switch (e->type) {
	case SDL_MOUSEWHEEL: {
		int x, y;
		int dy = e->wheel.y;

		if (dy == 0) {
			return 0;
		}
		SDL_GetMouseState(&x, &y);
		if (in_table(lo, x, y)) {
			view_scroll_table(v, lo, -3 * dy);
		} else if (in_info(lo, x, y)) {
			view_scroll_info(v, lo, -3 * dy);
		} else if (in_masks(lo, x, y)) {
			view_scroll_masks(v, m, lo, -24 * dy);
		} else if (in->shift || x < lo->lanes_x) {
			view_scroll_rows(v, lo, -3 * dy);
		} else {
			view_zoom(v, m, pow(0.8, dy), anchor(v, lo));
		}
		return INPUT_REDRAW;
	}
	case SDL_MOUSEBUTTONDOWN:
		if (e->button.button == SDL_BUTTON_LEFT) {
			in->dragging = true;
			in->moved = false;
			in->measuring = in->shift && in_lanes(lo, e->button.x, e->button.y);
			in->down_x = in->last_x = e->button.x;
			in->down_y = e->button.y;
			in->down_ns = view_x_to_ns(v, lo, e->button.x);
		}
		return 0;
	case SDL_MOUSEBUTTONUP:
		if (e->button.button == SDL_BUTTON_LEFT && in->dragging) {
			in->dragging = false;
			if (!in->moved) {
				if (!v->live) {
					v->status[0] = '\0';
				}
				click(v, m, lo, e->button.x, e->button.y);
				view_scroll_rows(v, lo, 0);
				view_scroll_table(v, lo, 0);
				return INPUT_REDRAW;
			}
			in->measuring = false;
		}
		return 0;
	case SDL_MOUSEMOTION: {
		int x = e->motion.x;

		if (in->dragging) {
			if (abs(x - in->down_x) > 3 || abs(e->motion.y - in->down_y) > 3) {
				in->moved = true;
			}
			if (in->moved && in->measuring) {
				measure(in, v, m, lo, x, e->motion.y);
			} else if (in->moved && x != in->last_x) {
				double ns_per_px = (double)(v->t1 - v->t0) / lo->lanes_w;

				view_pan_ns(v, m, (int64_t)llround(-(x - in->last_x) * ns_per_px));
				in->last_x = x;
			}
		}
		v->hover = true;
		v->hover_x = x;
		v->hover_y = e->motion.y;
		return INPUT_REDRAW;
	}
	default:
		return 0;
	}
}
