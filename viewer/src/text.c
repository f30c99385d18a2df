/* SPDX-License-Identifier: MIT */
/* Glyph atlas text rendering: see text.h. */
#include "text.h"

#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The non-ASCII characters rdv-view writes. */
static const uint32_t extra_cps[] = {
    0x00b5 /* µ */, 0x00d7 /* × */, 0x00b7 /* · */, 0x2192 /* → */, 0x2190 /* ← */, 0x2026 /* … */,
    0x2013 /* – */, 0x25b6 /* ▶ */, 0x2248 /* ≈ */, 0x2191 /* ↑ */, 0x2193 /* ↓ */, 0x2265 /* ≥ */,
    0x2264 /* ≤ */, 0x25be /* ▾ */, 0x25b4 /* ▴ */, 0x25b8 /* ▸ */, 0x0394 /* Δ */,
};

int text_find_font(char *path, size_t len, char *errbuf, size_t errlen)
{
	const char *env = getenv("RDV_VIEW_FONT");
	FcPattern *pat, *match;
	FcResult res;
	FcChar8 *file = NULL;
	int ret = -1;

	if (env && env[0]) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	if (!FcInit()) {
		snprintf(errbuf, errlen, "fontconfig cannot initialize");
		return -1;
	}
	pat = FcNameParse((const FcChar8 *)"DejaVu Sans:style=Book");
	if (!pat) {
		snprintf(errbuf, errlen, "fontconfig: out of memory");
		return -1;
	}
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	match = FcFontMatch(NULL, pat, &res);
	if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch && file) {
		snprintf(path, len, "%s", (const char *)file);
		ret = 0;
	} else {
		snprintf(errbuf, errlen,
			 "no font found through fontconfig (install fonts-dejavu-core)");
	}
	if (match) {
		FcPatternDestroy(match);
	}
	FcPatternDestroy(pat);
	FcFini(); /* only the path is kept */
	return ret;
}

static int utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	int n;

	if (p[0] < 0x80) {
		cp = p[0];
		n = 1;
	} else if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
		cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		n = 2;
	} else if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		     (p[2] & 0x3f);
		n = 3;
	} else {
		cp = '?';
		n = 1;
	}
	*s += n;
	return (int)cp;
}

static const struct text_glyph *glyph_of(const struct text_font *f, uint32_t cp)
{
	if (cp < 128) {
		int i = f->ascii[cp];

		return i >= 0 ? &f->glyphs[i]
			      : (f->ascii['?'] >= 0 ? &f->glyphs[f->ascii['?']] : NULL);
	}
	for (int i = 95; i < f->nglyphs; i++) {
		if (f->glyphs[i].cp == cp) {
			return &f->glyphs[i];
		}
	}
	return f->ascii['?'] >= 0 ? &f->glyphs[f->ascii['?']] : NULL;
}

int text_font_open(struct text_font *f, SDL_Renderer *r, const char *path, int px, char *errbuf,
		   size_t errlen)
{
	const int atlas_w = 512;
	TTF_Font *font;
	SDL_Surface *atlas = NULL;
	int x = 0, y = 0, ret = -1;
	uint32_t cps[TEXT_NGLYPHS];
	int ncps = 0;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 128; i++) {
		f->ascii[i] = -1;
	}
	if (!TTF_WasInit() && TTF_Init() < 0) {
		snprintf(errbuf, errlen, "SDL_ttf: %s", TTF_GetError());
		return -1;
	}
	font = TTF_OpenFont(path, px);
	if (!font) {
		snprintf(errbuf, errlen, "cannot open font '%s': %s", path, TTF_GetError());
		return -1;
	}
	TTF_SetFontHinting(font, TTF_HINTING_LIGHT);
	f->height = TTF_FontHeight(font);
	for (uint32_t c = 32; c < 127; c++) {
		cps[ncps++] = c;
	}
	for (size_t i = 0; i < sizeof(extra_cps) / sizeof(extra_cps[0]); i++) {
		cps[ncps++] = extra_cps[i];
	}
	atlas =
	    SDL_CreateRGBSurfaceWithFormat(0, atlas_w, f->height * 12, 32, SDL_PIXELFORMAT_RGBA32);
	if (!atlas) {
		snprintf(errbuf, errlen, "SDL: %s", SDL_GetError());
		goto end;
	}
	SDL_FillRect(atlas, NULL, SDL_MapRGBA(atlas->format, 255, 255, 255, 0));
	for (int i = 0; i < ncps; i++) {
		SDL_Color white = {255, 255, 255, 255};
		SDL_Surface *g;
		int minx, maxx, miny, maxy, adv;
		SDL_Rect dst;

		if (!TTF_GlyphIsProvided32(font, cps[i]) ||
		    TTF_GlyphMetrics32(font, cps[i], &minx, &maxx, &miny, &maxy, &adv) < 0) {
			continue;
		}
		g = TTF_RenderGlyph32_Blended(font, cps[i], white);
		if (!g) {
			continue;
		}
		if (x + g->w > atlas_w) {
			x = 0;
			y += f->height;
		}
		if (y + g->h > atlas->h) {
			SDL_FreeSurface(g);
			break;
		}
		dst.x = x;
		dst.y = y;
		dst.w = g->w;
		dst.h = g->h;
		SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
		SDL_BlitSurface(g, NULL, atlas, &dst);
		f->glyphs[f->nglyphs].cp = cps[i];
		f->glyphs[f->nglyphs].src = dst;
		f->glyphs[f->nglyphs].advance = adv;
		if (cps[i] < 128) {
			f->ascii[cps[i]] = f->nglyphs;
		}
		f->nglyphs++;
		x += g->w + 1;
		SDL_FreeSurface(g);
	}
	f->atlas = SDL_CreateTextureFromSurface(r, atlas);
	if (!f->atlas) {
		snprintf(errbuf, errlen, "SDL: %s", SDL_GetError());
		goto end;
	}
	SDL_SetTextureBlendMode(f->atlas, SDL_BLENDMODE_BLEND);
	ret = 0;
end:
	if (atlas) {
		SDL_FreeSurface(atlas);
	}
	TTF_CloseFont(font);
	return ret;
}

void text_font_close(struct text_font *f)
{
	if (f->atlas) {
		SDL_DestroyTexture(f->atlas);
	}
	f->atlas = NULL;
}

int text_draw(const struct text_font *f, SDL_Renderer *r, int x, int y, const char *s, SDL_Color c)
{
	return text_draw_clip(f, r, x, y, s, c, 1 << 30);
}

int text_width(const struct text_font *f, const char *s)
{
	int w = 0;

	while (*s) {
		const struct text_glyph *g = glyph_of(f, (uint32_t)utf8_next(&s));

		w += g ? g->advance : 0;
	}
	return w;
}

int text_draw_clip(const struct text_font *f, SDL_Renderer *r, int x, int y, const char *s,
		   SDL_Color c, int max_w)
{
	const struct text_glyph *ell = glyph_of(f, 0x2026);
	int x0 = x;

	if (max_w < (1 << 30) && text_width(f, s) <= max_w) {
		max_w = 1 << 30; /* fits: no ellipsis */
	}
	SDL_SetTextureColorMod(f->atlas, c.r, c.g, c.b);
	SDL_SetTextureAlphaMod(f->atlas, c.a);
	while (*s) {
		const struct text_glyph *g = glyph_of(f, (uint32_t)utf8_next(&s));
		SDL_Rect dst;

		if (!g) {
			continue;
		}
		if (max_w < (1 << 30) && x + g->advance - x0 > max_w - (ell ? ell->advance : 0)) {
			if (ell) {
				dst = (SDL_Rect){x, y, ell->src.w, ell->src.h};
				SDL_RenderCopy(r, f->atlas, &ell->src, &dst);
				x += ell->advance;
			}
			break;
		}
		dst = (SDL_Rect){x, y, g->src.w, g->src.h};
		SDL_RenderCopy(r, f->atlas, &g->src, &dst);
		x += g->advance;
	}
	return x - x0;
}
