/* SPDX-License-Identifier: MIT */
/*
 * rdv-view headless benchmark: on a synthetic timeline (default 64 threads,
 * 10 million intervals, written by synth-timeline next to this program),
 * measures the open time of the timeline file (map + full validation + model),
 * the frame time while zooming and panning across all scales (SDL software
 * renderer on a 1280x800 surface, the whole frame: lanes, axis, panels), and
 * the peak resident memory against the file size. Prints the figures with
 * their targets; exits 1 when a target is missed.
 * Usage: bench-view [--timeline FILE] [--lanes N] [--intervals N] [--size WxH] [--no-panel]
 * (--no-panel: without the isolations panel and a selection, to compare)
 */
#include "model.h"
#include "render.h"
#include "view.h"

#include <SDL.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1) {
			l = -1;
		}
		fclose(f);
	}
	return l;
}

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			v = atol(line + strlen(key) + 1);
		}
	}
	fclose(f);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int generate(const char *path, unsigned lanes, unsigned long long intervals)
{
	char exe[PATH_MAX], tool[PATH_MAX + 32], l[32], n[32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *argv[7];
	pid_t pid;
	int st;

	if (len < 0) {
		return -1;
	}
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(tool, sizeof(tool), "%s/synth-timeline", exe);
	snprintf(l, sizeof(l), "%u", lanes);
	snprintf(n, sizeof(n), "%llu", intervals);
	argv[0] = tool;
	argv[1] = "big";
	argv[2] = (char *)path;
	argv[3] = l;
	argv[4] = n;
	argv[5] = NULL;
	if (posix_spawn(&pid, tool, NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "bench-view: cannot run %s\n", tool);
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	char tmp[PATH_MAX] = "";
	unsigned lanes = 64;
	unsigned long long intervals = 10000000ull;
	int width = 1280, height = 800;
	bool panel = true;
	struct tl_model m;
	struct tl_view v;
	struct tl_layout lo;
	struct tl_metrics met;
	struct tl_render rd;
	SDL_Surface *s;
	SDL_Renderer *r;
	struct stat st;
	char err[512];
	double t, t_open, open_s, first_s, gen_s = 0;
	double *frames, *cpu, c;
	int nframes = 0, cap = 4096, ok = 1;
	long rss_peak_kib;
	uint64_t rng = 12345;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeline") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "--lanes") && i + 1 < argc) {
			lanes = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--intervals") && i + 1 < argc) {
			intervals = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--no-panel")) {
			panel = false;
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc &&
			   sscanf(argv[i + 1], "%dx%d", &width, &height) == 2) {
			i++;
		} else {
			fprintf(stderr, "usage: bench-view [--timeline FILE] [--lanes N] "
					"[--intervals N] [--size WxH] [--no-panel]\n");
			return 2;
		}
	}
	if (!file) {
		const char *dir = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/rdv-bench-view-%d.timeline",
			 dir && dir[0] ? dir : "/tmp", (int)getpid());
		t = now_s();
		if (generate(tmp, lanes, intervals) < 0) {
			fprintf(stderr, "bench-view: cannot generate the synthetic timeline\n");
			unlink(tmp);
			return 1;
		}
		gen_s = now_s() - t;
		file = tmp;
		{
			/* Flush it now, so that its writeback does not compete with
			 * the frames measured below. */
			int fd = open(tmp, O_RDONLY);

			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
	}
	if (stat(file, &st) < 0) {
		fprintf(stderr, "bench-view: cannot open '%s': %s\n", file, strerror(errno));
		return 1;
	}

	t_open = t = now_s();
	if (timeline_model_open(&m, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench-view: cannot open '%s': %s\n", file, err);
		if (tmp[0]) {
			unlink(tmp);
		}
		return 1;
	}
	open_s = now_s() - t;
	if (tmp[0]) {
		unlink(tmp); /* the mapping stays */
	}

	if (SDL_Init(0) < 0) {
		fprintf(stderr, "bench-view: SDL: %s\n", SDL_GetError());
		return 1;
	}
	s = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
	r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	if (!r || render_init(&rd, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-view: cannot render: %s\n", r ? err : SDL_GetError());
		return 1;
	}
	rd.title = "bench";
	render_metrics(&rd, &met);
	view_init(&v, &m);
	/* The isolations panel open, the worst isolation selected (its threads
	 * pinned, its info box), as a user looking at it has it. */
	v.panel = panel;
	if (panel) {
		view_select_worst(&v, &m, 0);
	}
	view_layout(&lo, &met, width, height, &v, &m);
	/* What a user waits for: open, fonts, the first full picture. */
	render_frame(&rd, &m, &v, &lo);
	SDL_RenderPresent(r);
	first_s = now_s() - t_open;
	frames = calloc((size_t)cap, sizeof(*frames));
	cpu = calloc((size_t)cap, sizeof(*cpu));

	/* Zoom in by 1.25x per frame around wandering anchors down to the
	 * 20 ns limit, panning a few frames at each factor of ten, with the
	 * lanes scrolled now and then; then back out; three times over. */
	for (int pass = 0; pass < 3 && nframes < cap - 64; pass++) {
		int dir = -1;

		view_fit(&v, &m);
		for (int step = 0; step < 400 && nframes < cap - 8; step++) {
			uint64_t span = v.t1 - v.t0;
			uint64_t anchor;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			anchor = v.t0 + rng % span;
			if (dir < 0) {
				view_zoom(&v, &m, 0.8, anchor);
				if (v.t1 - v.t0 <= TL_MIN_SPAN_NS) {
					dir = 1;
				}
			} else {
				view_zoom(&v, &m, 1.25, anchor);
				if (v.t1 - v.t0 >= m.t_max - m.t_min) {
					break;
				}
			}
			if (step % 7 == 0) {
				view_pan(&v, &m, (rng % 2) ? 0.3 : -0.3);
			}
			if (step % 23 == 0) {
				view_scroll_rows(&v, &lo, (int)(rng % 40) - 20);
			}
			v.cursor_ns = v.t0 + (v.t1 - v.t0) / 2;
			v.hover = true;
			v.hover_x = lo.lanes_x + lo.lanes_w / 2;
			v.hover_y = lo.lanes_y + lo.lanes_h / 2;
			t = now_s();
			c = cpu_s();
			/* What the event loop does for a frame: the selection now
			 * and then (next-worst: its threads pinned), the table
			 * scrolled, the layout, the drawing. */
			if (panel && step % 50 == 49) {
				uint64_t keep0 = v.t0, keep1 = v.t1;

				view_select_worst(&v, &m, 1);
				view_set_range(&v, &m, keep0, keep1);
			}
			if (step % 11 == 0) {
				view_scroll_table(&v, &lo, (int64_t)(rng % 9) - 4);
			}
			view_layout(&lo, &met, width, height, &v, &m);
			render_frame(&rd, &m, &v, &lo);
			SDL_RenderPresent(r);
			cpu[nframes] = (cpu_s() - c) * 1e3;
			frames[nframes++] = (now_s() - t) * 1e3;
			if (getenv("BENCH_VIEW_DEBUG") && frames[nframes - 1] > 10) {
				fprintf(stderr, "slow frame %.1f ms: span %llu ns\n",
					frames[nframes - 1], (unsigned long long)(v.t1 - v.t0));
			}
		}
	}
	rss_peak_kib = status_kib("VmHWM:");
	qsort(frames, (size_t)nframes, sizeof(*frames), cmp_double);
	qsort(cpu, (size_t)nframes, sizeof(*cpu), cmp_double);
	{
		double p50 = frames[nframes / 2];
		double p99 = frames[(int)((nframes - 1) * 0.99)];
		double max = frames[nframes - 1];
		double file_mib = (double)st.st_size / (1 << 20);
		double rss_mib = (double)rss_peak_kib / 1024;
		double ratio = rss_mib / file_mib;

		printf("rdv-view benchmark: %u lanes in %u domains, %llu intervals, %llu "
		       "isolations (%s), timeline file %.1f MiB",
		       m.info.nlanes, m.ngroups, (unsigned long long)m.info.nintervals,
		       (unsigned long long)m.nisolations,
		       panel ? "panel open, one selected" : "no panel, no selection", file_mib);
		if (gen_s > 0) {
			printf(" (written in %.2f s)", gen_s);
		}
		printf("\n");
		printf("open     %.3f s map + validate every byte + model; %.3f s to the first "
		       "frame (fonts, first render)   target <= 1 s   %s\n",
		       open_s, first_s, first_s <= 1.0 ? "PASS" : "FAIL");
		printf("frames   p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d frames %dx%d, software "
		       "renderer, zoom 1x..%llux and pan)   target p99 <= 16 ms   %s\n",
		       p50, p99, max, nframes, width, height,
		       (unsigned long long)((m.t_max - m.t_min) / TL_MIN_SPAN_NS),
		       p99 <= 16.0 ? "PASS" : "FAIL");
		printf("         CPU time per frame: p50 %.2f ms  p99 %.2f ms  (load average %.1f "
		       "on %ld CPUs while measuring)\n",
		       cpu[nframes / 2], cpu[(int)((nframes - 1) * 0.99)], loadavg(),
		       sysconf(_SC_NPROCESSORS_ONLN));
		printf("memory   peak RSS %.1f MiB = %.2f x the file   target <= 2 x   %s\n",
		       rss_mib, ratio, ratio <= 2.0 ? "PASS" : "FAIL");
		ok = first_s <= 1.0 && p99 <= 16.0 && ratio <= 2.0;
	}
	free(frames);
	free(cpu);
	render_fini(&rd);
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(s);
	SDL_Quit();
	view_fini(&v);
	timeline_model_close(&m);
	return ok ? 0 : 1;
}
