package bench

// analysis is the last section of docs/benchmarks.md: where the time and
// memory go, from profiles taken on the machine above. Its percentages are
// from one profiling session, not from the run whose figures precede it.
const analysis = `## 5. Where the time and memory go

Profiles from the benchmarks in internal/bench, against the rig that
` + "`make bench`" + ` starts (or, without the BENCH_* variables, one they start
themselves):

    go test -run '^$' -bench 'ProbeCycle' -cpuprofile cpu.out ./internal/bench
    go test -run '^$' -bench 'Scrape/targets=1000' -benchtime 5x \
        -cpuprofile cpu.out -memprofile mem.out ./internal/bench
    go tool pprof -top -cum cpu.out

The daemon does not serve net/http/pprof, so BenchmarkScrape serves its
/metrics handler in-process with 1,000 targets that each hold a real
passing report.

**One-shot check.** ` + "`check`" + ` sends three gRPC requests (health Check,
CheckHealth, GetVersion) and a GET of /healthz where grpc-health-probe
sends one request. The rig's nginx keeps no upstream connections
(` + "`grpc_pass`" + ` without an upstream ` + "`keepalive`" + `), so every extra request
also waits for a new upstream connection. The binary also starts slower:
package initialisation (` + "`GODEBUG=inittrace=1`" + `) takes about 7.5 to 8.5 ms
over 224 packages against about 2.2 ms for grpc-health-probe. No single
package dominates. The protobuf descriptors of the Milvus API (commonpb,
milvuspb, schemapb) take about 1.2 ms. The Prometheus client (for
` + "`run`" + `) and k8s.io/api (for ` + "`render`" + ` and ` + "`lint`" + `) each add a few tenths of
a millisecond, because every command shares one binary. That start-up
cost is also about half of the CPU gap. A one-shot binary without
` + "`run`" + `, ` + "`render`" + ` and ` + "`lint`" + ` would start faster, but the project ships one
binary.

**Probe cycle.** ProbeCycle costs about what FloorSameWork costs: the
probe's own code (verification, timing, the report and its messages) is
a few percent of the cycle. The rest is the TLS handshake (about a
fifth, including the X25519MLKEM768 key share Go offers by default),
system calls on the sockets (about a fifth), and grpc-go's client and
HTTP/2 framing. The extra cost over Floor is the extra requests.

**Daemon CPU.** Probing alone costs one cycle per target per interval:
at 1,000 targets every 10s that is 100 cycles a second, each with a new
TCP and TLS connection, three requests and a GET. Staying under 10% of a
core would need under 1 ms of CPU per cycle, less than Floor spends on
one health check over a new connection. The probe opens a fresh
connection on purpose, so that it sees the path as a new client does.
Reusing connections or resuming TLS sessions would cut the cost and hide
connection and certificate faults, so neither is done. A 30s interval
divides the cost by three.

**Scrapes.** With twelve histogram buckets every target exported about
130 series, about 13 KB of text:
milvus_l7_probe_check_duration_seconds alone was 90 of them (6 checks
times 12 buckets, +Inf, sum and count), and
milvus_l7_probe_check_status 32 (8 checks times 4 statuses). At 1,000
targets a scrape rendered about 130,000 series and 13 MB. The histogram
now has six buckets, 54 series for 6 checks; BenchmarkScrape at 100
targets went from 48.1 KiB to 38.6 KiB gzip and from 117k to 107k
allocations per scrape. In the profile
of BenchmarkScrape/targets=1000, text encoding takes about 47% of the
time (expfmt.MetricFamilyToText), Gather with its sort of every family
by label values about 26%, the Recorder's Collect building constant
metrics about 16%, and gzip about 15%. Each scrape allocates about 60
MB, which is also what sets the peak RSS while /metrics is scraped every
second. Scrapes under 100 ms at 1,000 targets would need about ten times
fewer series per target, for example fewer histogram buckets or one
histogram of the whole probe rather than one per check. Alert rules and
the dashboard read these series, so that is a change to the metric set,
not a tuning.

**Memory.** Before first cycles were spread by target count, 1,000
targets started within one second, and every interval repeated that
burst: VmHWM reached 168 MiB without any scrape. Spread over the
interval, it was 77 MiB (same rig, 30s window, no scrapes). Once
/metrics is scraped every second, the scrapes set the peak, as above.
BenchmarkDaemonTargets runs the scheduler and the recorder in-process
with 1,000 targets; with BENCH_HEAP_PROFILE it writes a heap profile
while they run. After a GC about 15 MiB is live: about 7 MiB in the
6,000 check_duration_seconds histograms (about 7 KB per target), about
5 MiB in the stored latest reports, and about 8 MiB of goroutine stacks
besides. The rest of the peak is the garbage of cycles in flight
between two collections. GOGC=200 halves the collections but does not
lower the CPU, so the collector is not where the CPU goes.
`
