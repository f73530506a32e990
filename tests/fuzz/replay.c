/* Runs a fuzz target's function over files and directories without a
 * fuzzing engine: make test replays the committed corpora and every input
 * that ever crashed (tests/fuzz/crashes/), under the sanitizers with
 * `make sanitize`. Usage: replay-TARGET PATH... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long runs;

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return perror(path), 1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) return fclose(fp), free(buf), 1;
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, (size_t)n); /* exact size: overreads are caught */
    free(buf);
    runs++;
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0; /* an empty corpus directory may be absent */
    if (!S_ISDIR(st.st_mode)) return run_file(path);
    DIR *d = opendir(path);
    if (!d) return 1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rc |= run_path(sub);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++) rc |= run_path(argv[i]);
    printf("%s: %ld inputs replayed\n", argv[0], runs);
    return rc;
}
