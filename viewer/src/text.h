/* SPDX-License-Identifier: MIT */
/*
 * Text for rdv-view: the font is found through fontconfig (DejaVu Sans by
 * default, RDV_VIEW_FONT overrides), and its glyphs are rendered once with
 * SDL2_ttf into one texture atlas per size, so drawing a label is a few
 * texture copies (no TTF rendering per frame).
 */
#ifndef RDV_VIEW_TEXT_H
#define RDV_VIEW_TEXT_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_NGLYPHS 128

struct text_glyph {
	uint32_t cp;
	SDL_Rect src;
	int advance;
};

struct text_font {
	SDL_Texture *atlas; /* owned */
	int height;
	struct text_glyph glyphs[TEXT_NGLYPHS];
	int nglyphs;
	int ascii[128]; /* glyph index of an ASCII code point, -1 if none */
};

/* Finds the font file via fontconfig. Returns 0, or -1 with a reason. */
int text_find_font(char *path, size_t len, char *errbuf, size_t errlen);

int text_font_open(struct text_font *f, SDL_Renderer *r, const char *path, int px, char *errbuf,
		   size_t errlen);
void text_font_close(struct text_font *f);

/* Draws UTF-8 text with its top-left at (x, y); returns its width. */
int text_draw(const struct text_font *f, SDL_Renderer *r, int x, int y, const char *s, SDL_Color c);
int text_width(const struct text_font *f, const char *s);
/* Draws at most max_w pixels of s, ending with "…" when cut. */
int text_draw_clip(const struct text_font *f, SDL_Renderer *r, int x, int y, const char *s,
		   SDL_Color c, int max_w);

#endif /* RDV_VIEW_TEXT_H */
