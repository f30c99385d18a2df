/* SPDX-License-Identifier: MIT */
/* rdv-view's input: see input.h. Keys as in Perfetto / Tracy (WASD). */
#include "input.h"

#include <math.h>
#include <stdio.h>

static bool in_lanes(const struct tl_layout *lo, int x, int y)
{
	return x >= lo->lanes_x && x < lo->lanes_x + lo->lanes_w && y >= lo->axis_y &&
	       y < lo->lanes_y + lo->lanes_h;
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

static void update_hover(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
			 int x, int y)
{
	int64_t row = view_y_to_row(v, m, lo, y);

	v->hover = row >= 0 && x >= lo->lanes_x && x < lo->lanes_x + lo->lanes_w;
	if (v->hover) {
		v->hover_row = (uint32_t)row;
		v->hover_ns = view_x_to_ns(v, lo, x);
		v->hover_x = x;
		v->hover_y = y;
	}
}

static void click(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo, int x,
		  int y)
{
	int64_t row = view_y_to_row(v, m, lo, y);
	uint64_t t = view_x_to_ns(v, lo, x);

	if (x < lo->lanes_x || x >= lo->lanes_x + lo->lanes_w) {
		return;
	}
	if (y >= lo->axis_y && y < lo->axis_y + lo->axis_h) {
		view_set_cursor(v, m, t);
		return;
	}
	if (row < 0) {
		return;
	}
	view_set_cursor(v, m, t);
	if (m->rows[row].kind == TL_ROW_LANE) {
		/* Within 4 pixels: isolations can be thinner than a pixel. */
		uint64_t slack = (v->t1 - v->t0) * 4 / (uint64_t)lo->lanes_w;

		view_select_at(v, m, m->rows[row].lane, t, slack);
	} else {
		v->selected = -1;
	}
}

static bool key(struct tl_input *in, const SDL_KeyboardEvent *k, struct tl_view *v,
		const struct tl_model *m, const struct tl_layout *lo)
{
	SDL_Keycode sym = k->keysym.sym;
	bool shift = k->keysym.mod & KMOD_SHIFT;

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
		view_scroll_rows(v, m, lo, -1);
		break;
	case SDLK_DOWN:
		view_scroll_rows(v, m, lo, 1);
		break;
	case SDLK_PAGEUP:
		view_scroll_rows(v, m, lo, -(int)view_visible_rows(lo));
		break;
	case SDLK_PAGEDOWN:
		view_scroll_rows(v, m, lo, (int)view_visible_rows(lo));
		break;
	case SDLK_f:
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
		break;
	case SDLK_p:
		view_select_next(v, m, -1);
		break;
	case SDLK_ESCAPE:
		if (v->help) {
			v->help = false;
		} else {
			v->selected = -1;
		}
		break;
	case SDLK_F1:
	case SDLK_QUESTION:
		v->help = !v->help;
		break;
	case SDLK_SLASH:
		if (!shift) {
			return false;
		}
		v->help = !v->help;
		break;
	case SDLK_q:
		in->quit = true;
		break;
	default:
		return false;
	}
	return true;
}

bool input_handle(struct tl_input *in, const SDL_Event *e, struct tl_view *v,
		  const struct tl_model *m, const struct tl_layout *lo)
{
	switch (e->type) {
	case SDL_QUIT:
		in->quit = true;
		return false;
	case SDL_KEYDOWN:
		return key(in, &e->key, v, m, lo);
	case SDL_MOUSEWHEEL: {
		int x, y;
		int dy = e->wheel.y;

		if (dy == 0) {
			return false;
		}
		SDL_GetMouseState(&x, &y);
		if ((SDL_GetModState() & KMOD_SHIFT) || x < lo->lanes_x) {
			view_scroll_rows(v, m, lo, -3 * dy);
		} else {
			view_zoom(v, m, pow(0.8, dy), anchor(v, lo));
		}
		update_hover(v, m, lo, x, y);
		return true;
	}
	case SDL_MOUSEBUTTONDOWN:
		if (e->button.button == SDL_BUTTON_LEFT) {
			in->dragging = true;
			in->moved = false;
			in->down_x = in->last_x = e->button.x;
			in->down_y = e->button.y;
		}
		return false;
	case SDL_MOUSEBUTTONUP:
		if (e->button.button == SDL_BUTTON_LEFT && in->dragging) {
			in->dragging = false;
			if (!in->moved) {
				click(v, m, lo, e->button.x, e->button.y);
				return true;
			}
		}
		return false;
	case SDL_MOUSEMOTION: {
		int x = e->motion.x;

		if (in->dragging) {
			if (abs(x - in->down_x) > 3 || abs(e->motion.y - in->down_y) > 3) {
				in->moved = true;
			}
			if (in->moved && x != in->last_x) {
				double ns_per_px = (double)(v->t1 - v->t0) / lo->lanes_w;

				view_pan_ns(v, m, (int64_t)llround(-(x - in->last_x) * ns_per_px));
				in->last_x = x;
			}
		}
		update_hover(v, m, lo, x, e->motion.y);
		return true;
	}
	case SDL_WINDOWEVENT:
		if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
			v->hover = false;
		}
		return true;
	default:
		return false;
	}
}
