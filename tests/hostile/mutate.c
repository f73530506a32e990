/* Writes hostile variants of an input file into a directory: cuts (proper
 * prefixes, at most MAXCUTS evenly spaced) and seeded random byte changes
 * (set, flip, insert, delete). Usage: mutate FILE OUTDIR SEED MAXCUTS NMUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state;
static unsigned rnd(void)
{
    state = state * 6364136223846793005ULL + 1442695040888963407ULL; /* a fixed LCG: reproducible */
    return (unsigned)(state >> 33);
}

static void put(const char *dir, const char *tag, size_t i, const unsigned char *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%zu", dir, tag, i);
    FILE *fp = fopen(path, "wb");
    if (!fp) exit(1);
    fwrite(p, 1, n, fp);
    fclose(fp);
}

int main(int argc, char **argv)
{
    if (argc != 6) return 2;
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) return 1;
    static unsigned char in[1 << 20], out[(1 << 20) + 64];
    size_t n = fread(in, 1, sizeof in, fp);
    fclose(fp);
    state = strtoull(argv[3], NULL, 10) * 2654435761ULL + n;
    size_t cuts = strtoul(argv[4], NULL, 10), muts = strtoul(argv[5], NULL, 10);
    size_t step = n > cuts && cuts ? n / cuts : 1;
    for (size_t k = 0; k < n && cuts; k += step) put(argv[2], "cut", k, in, k);
    for (size_t m = 0; m < muts && n; m++) {
        memcpy(out, in, n);
        size_t len = n;
        int edits = 1 + (int)(rnd() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = rnd() % len;
            switch (rnd() % 4) {
            case 0: out[at] = (unsigned char)rnd(); break;
            case 1: out[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
            case 2:
                memmove(out + at + 1, out + at, len - at);
                out[at] = (unsigned char)rnd();
                len++;
                break;
            default:
                if (len > 1) {
                    memmove(out + at, out + at + 1, len - at - 1);
                    len--;
                }
            }
        }
        put(argv[2], "mut", m, out, len);
    }
    return 0;
}
