/* frame_budget.c — a game/engine case: a per-frame CPU job (particle integration with a
   collision plane) split into dispatch batches for a small job system. Which batch size gives
   the lowest median frame time while the 99th-percentile frame stays within 16.6 ms (60 Hz)?
   One sample = one frame, so e2e_s_p99 is the p99 frame time; the limit goes to bt_rank.
   This is how an engine's profiling tool would vendor batchtune: its own job system, its own
   work, batchtune only for the grid, the timing, the statuses and the ranking.
   Build: cc -O3 -I. examples/frame_budget.c -o frame_budget -lm -pthread
   Run:   ./frame_budget [particles=400000] [results.csv]     (CPU only: no GPU needed) */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>

typedef struct particles { float *px, *py, *pz, *vx, *vy, *vz; int n; } particles;

/* --- a minimal job system: workers pull batch indices from a shared counter --- */
typedef struct jobsys {
    pthread_t th[64];
    int nworkers, quit, generation, remaining, next, njobs, batch;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    particles *p;
    float dt;
} jobsys;

static void integrate(particles *p, int lo, int hi, float dt) {
    int i;
    for (i = lo; i < hi; i++) {
        float ax = -0.1f * p->px[i], az = -0.1f * p->pz[i], ay = -9.81f;
        p->vx[i] += ax * dt; p->vy[i] += ay * dt; p->vz[i] += az * dt;
        p->px[i] += p->vx[i] * dt; p->py[i] += p->vy[i] * dt; p->pz[i] += p->vz[i] * dt;
        if (p->py[i] < 0) { p->py[i] = -p->py[i]; p->vy[i] = -0.8f * p->vy[i]; } /* bounce */
        p->vx[i] *= 0.999f + 0.0005f * sinf(p->px[i]);                         /* some math */
    }
}
static void run_jobs(jobsys *js) {
    for (;;) {
        int j;
        pthread_mutex_lock(&js->mu);
        j = js->next < js->njobs ? js->next++ : -1;
        pthread_mutex_unlock(&js->mu);
        if (j < 0) return;
        {
            int lo = j * js->batch, hi = lo + js->batch > js->p->n ? js->p->n : lo + js->batch;
            integrate(js->p, lo, hi, js->dt);
        }
        pthread_mutex_lock(&js->mu);
        if (--js->remaining == 0) pthread_cond_broadcast(&js->done);
        pthread_mutex_unlock(&js->mu);
    }
}
static void *worker(void *arg) {
    jobsys *js = (jobsys *)arg;
    int seen = 0;
    for (;;) {
        pthread_mutex_lock(&js->mu);
        while (js->generation == seen && !js->quit) pthread_cond_wait(&js->go, &js->mu);
        seen = js->generation;
        if (js->quit) { pthread_mutex_unlock(&js->mu); return NULL; }
        pthread_mutex_unlock(&js->mu);
        run_jobs(js);
    }
}

typedef struct app { particles p; bt_axis ax_batch, ax_workers; } app;

static bt_status setup(const bt_cell *cell, void *user, bt_sample *s) {
    app *a = (app *)user;
    jobsys *js = (jobsys *)calloc(1, sizeof *js);
    int i;
    if (!js) return BT_E_NOMEM;
    s->state = js;
    js->nworkers = (int)bt_cell_i64(cell, a->ax_workers) - 1;   /* the main thread works too */
    js->batch = (int)bt_cell_i64(cell, a->ax_batch);
    js->p = &a->p;
    js->dt = 1.0f / 60.0f;
    pthread_mutex_init(&js->mu, NULL); pthread_cond_init(&js->go, NULL); pthread_cond_init(&js->done, NULL);
    for (i = 0; i < js->nworkers; i++)
        if (pthread_create(&js->th[i], NULL, worker, js) != 0) { js->nworkers = i; snprintf(s->error, sizeof s->error, "cannot start worker %d", i); return BT_E_WORKLOAD; }
    return BT_OK;
}
static bt_status frame(const bt_cell *cell, void *user, bt_sample *s) {
    jobsys *js = (jobsys *)s->state;
    (void)cell; (void)user;
    pthread_mutex_lock(&js->mu);
    js->njobs = (js->p->n + js->batch - 1) / js->batch;
    js->remaining = js->njobs;
    js->next = 0;
    js->generation++;
    pthread_cond_broadcast(&js->go);
    pthread_mutex_unlock(&js->mu);
    run_jobs(js);
    pthread_mutex_lock(&js->mu);
    while (js->remaining > 0) pthread_cond_wait(&js->done, &js->mu);
    pthread_mutex_unlock(&js->mu);
    s->items = js->p->n;
    return BT_OK;
}
static void teardown(const bt_cell *cell, void *user, bt_sample *s) {
    jobsys *js = (jobsys *)s->state;
    int i;
    (void)cell; (void)user;
    if (!js) return;
    pthread_mutex_lock(&js->mu);
    js->quit = 1;
    pthread_cond_broadcast(&js->go);
    pthread_mutex_unlock(&js->mu);
    for (i = 0; i < js->nworkers; i++) pthread_join(js->th[i], NULL);
    pthread_mutex_destroy(&js->mu); pthread_cond_destroy(&js->go); pthread_cond_destroy(&js->done);
    free(js);
    s->state = NULL;
}

int main(int argc, char **argv) {
    app a;
    int n = argc > 1 ? atoi(argv[1]) : 400000, i;
    const char *out = argc > 2 ? argv[2] : "frame_budget.csv";
    const char *limits[] = {"e2e_s_p99<=0.0166"};
    bt_grid *g = bt_grid_create();
    bt_workload w;
    bt_sweep_desc d;
    bt_rank_desc rd;
    bt_ranking rk;
    bt_results *r = NULL;
    if (n < 1000) n = 1000;
    memset(&a, 0, sizeof a);
    a.p.n = n;
    a.p.px = (float *)calloc((size_t)n * 6, sizeof(float));
    if (!a.p.px) return 1;
    a.p.py = a.p.px + n; a.p.pz = a.p.py + n; a.p.vx = a.p.pz + n; a.p.vy = a.p.vx + n; a.p.vz = a.p.vy + n;
    for (i = 0; i < n; i++) { a.p.px[i] = (float)(i % 1000) * 0.01f; a.p.py[i] = 10.0f + (float)(i % 37); a.p.vz[i] = 1.0f; }
    a.ax_batch = bt_grid_axis_geom_i64(g, "batch", 256, 262144, 4);
    bt_grid_parse_axis(g, "workers=1,2,4", &a.ax_workers);
    memset(&w, 0, sizeof w);
    w.name = "particles"; w.user = &a; w.setup = setup; w.run = frame; w.teardown = teardown;
    memset(&d, 0, sizeof d);
    d.results_path = out;
    d.overwrite = 1;
    d.stop.min_samples = 60;       /* a p99 needs frames: at least 60 per cell */
    d.stop.max_time_s = 1.5;
    if (bt_sweep_run(g, &w, 1, &d, &r) != BT_OK) { fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : "?"); return 1; }
    memset(&rd, 0, sizeof rd);
    rd.limits = limits; rd.num_limits = 1;   /* the frame budget */
    printf("%d particles per frame; objective: median frame time with p99 <= 16.6 ms\n\n", n);
    if (bt_rank(r, &rd, &rk) == BT_OK) {
        bt_html_opts ho;
        bt_print_ranking(&rk, stdout);
        memset(&ho, 0, sizeof ho);
        ho.title = "frame time by dispatch batch (p99 <= 16.6 ms)";
        if (bt_write_html_report(r, &rk, bt_results_meta(r), "frame_budget.html", &ho) == BT_OK) printf("\nreport: frame_budget.html\n");
        bt_ranking_free(&rk);
    }
    printf("\n");
    bt_print_heatmap(r, NULL, "batch", "workers", "e2e_s_p99", stdout, BT_HEATMAP_AUTO);
    printf("\nresults: %s (check with: batchtune rank %s --limit 'e2e_s_p99<=0.0166')\n", out, out);
    bt_results_free(r);
    bt_grid_destroy(g);
    free(a.p.px);
    return 0;
}
