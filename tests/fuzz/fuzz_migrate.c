/* libFuzzer target: the records rsess migrate and rsess records read, with
 * the CLI's own parsers: cli/records.c and cli/migrate.c are compiled in
 * (their static functions are reached; cli/rsess.c is linked without its
 * main, -DRSESS_CLI_NO_MAIN). The first byte picks what the rest is:
 *   bit 7 clear: migrate records, one a line ("KEY" PTTL "VALUE"), with
 *     bit 0 --from cache (else redis-store), bit 1 --to cache, bits 2-3
 *     --entry 7.1 / 7.0 / 6.1 / 7.1, bit 4 --from-namespace session, bit 5
 *     --to-namespace app, bit 6 --cluster-nodes (three masters, a slot gap)
 *     with --delete-old; every stream and the report go to /dev/null;
 *   bit 7 set: rsess records input, the redis-cli replies paired (bit 0
 *     clear) or redis-cli --scan keys made commands (bit 0 set).
 * The CLI's messages go to a /dev/null FILE for the call (fd 2 stays, so
 * the sanitizers' reports are seen). Seeds: ruby tests/fuzz/seed_migrate.rb
 * DIR makes them from the fixtures. */
#include "../../cli/records.c"
#include "../../cli/migrate.c"

#include <stdint.h>

static const char nodes[] =
    "aa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5000\n"
    "bb 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922\n"
    "cc 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383\n"
    "dd 127.0.0.1:7003@17003 slave aa 0 0 1 connected\n";

static FILE *devnull(void)
{
    static FILE *fp;
    if (!fp && !(fp = fopen("/dev/null", "w"))) abort();
    return fp;
}

static void stream_init(stream *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    s->fp = devnull();
    if (!s->name) abort();
}

static void run_migrate(unsigned mode, const char *text, size_t len)
{
    static const rsess_format entries[] = {RSESS_FORMAT_AS71, RSESS_FORMAT_AS70, RSESS_FORMAT_AS61,
                                           RSESS_FORMAT_AS71};
    static const rsess_key_rule rules[] = {RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS70, RSESS_KEYS_RAILS61,
                                           RSESS_KEYS_RAILS70};
    migrate_opts o;
    memset(&o, 0, sizeof o);
    o.from = mode & 1 ? STORE_CACHE : STORE_REDIS_STORE;
    o.to = mode & 2 ? STORE_CACHE : STORE_REDIS_STORE;
    o.entry = entries[(mode >> 2) & 3];
    o.rule = rules[(mode >> 2) & 3];
    if (mode & 16) o.from_ns = "session";
    if (mode & 32) o.to_ns = "app";
    o.delete_old = mode & 64;
    migrate_state st;
    memset(&st, 0, sizeof st);
    st.o = &o;
    st.now = 1.7e9;
    rsess_buf *bufs[] = {&st.oldkey, &st.newkey, &st.value, &st.out, &st.ns};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) rsess_buf_init(bufs[i], NULL);
    if ((mode & 64) && rsess_cluster_map_parse(nodes, sizeof nodes - 1, NULL, &st.map, NULL)) abort();
    st.nstreams = st.map ? rsess_cluster_map_masters(st.map) : 1;
    st.streams = calloc(st.nstreams, sizeof *st.streams);
    st.del_streams = calloc(st.nstreams, sizeof *st.del_streams);
    if (!st.streams || !st.del_streams) abort();
    for (size_t i = 0; i < st.nstreams; i++) {
        stream_init(&st.streams[i], "set");
        stream_init(&st.del_streams[i], "del");
    }
    size_t pos = 0, lineno = 0, n;
    const char *line;
    while (cli_next_line(text, len, &pos, &line, &n))
        if (++lineno, n) migrate_line(&st, line, n, lineno);
    report(&st, devnull());
    for (size_t i = 0; i < st.nstreams; i++) {
        st.streams[i].fp = st.del_streams[i].fp = NULL; /* devnull stays open */
        close_stream(&st.streams[i], false);
        close_stream(&st.del_streams[i], false);
    }
    free(st.streams);
    free(st.del_streams);
    rsess_cluster_map_free(st.map);
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) rsess_buf_free(bufs[i]);
}

static void run_records(unsigned mode, const char *text, size_t len)
{
    if (!len) return;
    FILE *fp = fmemopen((void *)text, len, "r");
    if (!fp) abort();
    if (mode & 1) records_commands(fp);
    else records_pair(fp);
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    FILE *out = stdout, *err = stderr;
    stdout = stderr = devnull();
    if (data[0] & 128) run_records(data[0], (const char *)data + 1, size - 1);
    else run_migrate(data[0], (const char *)data + 1, size - 1);
    stdout = out;
    stderr = err;
    return 0;
}
