// The cost of one lstat/statx on this machine, the floor of a listing that stats what can
// change (issue 64).
//
//   find WS -mindepth 2 ! -path '*/.toolbench*' > paths
//   cc -O2 -o stat_cost benches/stat_cost.c && ./stat_cost paths lstat|statx|statx_nosync
//
// Stats every path of the file (one a line) in 7 rounds and prints the best round's time and
// its time per call: whole paths from the current folder, on one thread.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: stat_cost PATHS lstat|statx|statx_nosync\n");
        return 2;
    }
    FILE *list = fopen(argv[1], "r");
    if (!list) {
        perror(argv[1]);
        return 1;
    }
    size_t n = 0, cap = 1024;
    char **paths = malloc(cap * sizeof *paths), line[4096];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\n")] = 0;
        if (n == cap) paths = realloc(paths, (cap *= 2) * sizeof *paths);
        paths[n++] = strdup(line);
    }
    int flags = AT_SYMLINK_NOFOLLOW | (strcmp(argv[2], "statx_nosync") ? 0 : AT_STATX_DONT_SYNC);
    double best = 1e18;
    for (int round = 0; round < 7; round++) {
        double start = now();
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(argv[2], "lstat")) {
                struct stat st;
                lstat(paths[i], &st);
            } else {
                struct statx st;
                statx(AT_FDCWD, paths[i], flags, STATX_BASIC_STATS, &st);
            }
        }
        double took = now() - start;
        if (took < best) best = took;
    }
    printf("%s: %zu paths, best round %.2f ms, %.0f ns per call\n", argv[2], n, best / 1e6,
           best / n);
    return 0;
}
