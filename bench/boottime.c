/* SPDX-License-Identifier: MIT */
/*
 * boottime: runs a VMM command with its stdout (the guest console) on a
 * pipe, timestamps (CLOCK_MONOTONIC) the moment a marker text appears on it,
 * samples the command's /proc/PID/status memory counters (and its VM's KVM
 * debugfs exit counters) at that moment, then stops the command (or waits
 * for it) and prints one machine-readable line. See bench/README.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2; meson passes it too */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_NO_MARK 1
#define EXIT_USAGE 2
#define LINE_MAX_BYTES 4096
/* Seconds the command may take to exit once signalled, before SIGKILL. */
#define STOP_GRACE_S 15
/* -m may be given this many times. */
#define MAX_MARKERS 8
#define KVM_DEBUGFS "/sys/kernel/debug/kvm"

static const char usage_text[] =
"usage: boottime [OPTIONS] -- COMMAND [ARG...]\n"
"Runs COMMAND with its stdout (the guest console) on a pipe and its stdin on\n"
"/dev/null, and measures the time from starting it until MARKER appears on\n"
"that stdout. At that moment it samples /proc/PID/status of COMMAND's process\n"
"(and, with --kvm-stats, the KVM debugfs counters of its VM), then sends it\n"
"SIGNAL and waits for it to exit.\n"
"\n"
"  -m, --marker TEXT    text to wait for (default 'iovm-guest: init reached');\n"
"                       up to 8 -m: markers expected in that order, the last\n"
"                       one ends the measurement, the earlier ones are\n"
"                       reported as mark1_ms=..., mark2_ms=...\n"
"  -t, --timeout S      give up when MARKER has not appeared after S seconds\n"
"                       (default 120); COMMAND is then killed\n"
"  -s, --signal SIG     signal sent once MARKER appeared: a number, a name\n"
"                       (TERM, INT, HUP, KILL, with or without SIG) or 'none'\n"
"                       to wait for COMMAND to exit by itself (default TERM)\n"
"  -c, --console FILE   copy COMMAND's stdout to FILE\n"
"  -l, --label TEXT     add label=TEXT to the result line\n"
"  -k, --kvm-stats      add the VM's counters from " KVM_DEBUGFS "/PID-FD/\n"
"                       (debugfs mounted, COMMAND's process creates the VM)\n"
"  -h, --help           this help\n"
"\n"
"Prints one line on stdout, sizes in KiB, e.g.\n"
"  boottime label=iovm ms=812.4 vm_rss_kib=120000 rss_anon_kib=150\n"
"    rss_file_kib=2000 rss_shmem_kib=117850 vm_hwm_kib=120000 threads=2\n"
"    rss_memfd_kib=116000 rss_vmm_kib=4000 cpu_ms=790 exit=143\n"
"(one line). The first five sizes and threads come from /proc/PID/status;\n"
"rss_memfd_kib is what is resident in memfd mappings (guest RAM: iovm's is a\n"
"memfd) and rss_vmm_kib = vm_rss_kib - rss_memfd_kib, the VMM's own resident\n"
"memory; cpu_ms is the user + system time of all its threads (guest time\n"
"included). All are sampled when MARKER appears.\n"
"ms=-1 when MARKER never appeared; exit=N is COMMAND's exit status, 128+N\n"
"for signal N, -1 when it did not end even after SIGKILL (its threads'\n"
"states go to stderr and it is left behind).\n"
"\n"
"Exit status: 0 when MARKER appeared, 1 when it did not (a COMMAND that\n"
"cannot be executed exits 127 before any marker), 2 on bad usage or when\n"
"COMMAND could not be started (pipe, fork).\n";

struct opts {
	const char *markers[MAX_MARKERS], *console, *label;
	int nmarkers;
	double timeout_s;
	int signal; /* 0: wait for the exit */
	bool kvm_stats;
	char **argv;
};

/* The /proc/PID/status fields sampled, in output order. */
static const char *const status_fields[] = {
	"VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "Threads",
};
static const char *const status_keys[] = {
	"vm_rss_kib", "rss_anon_kib", "rss_file_kib", "rss_shmem_kib", "vm_hwm_kib", "threads",
};
#define NSTATUS (sizeof(status_fields) / sizeof(status_fields[0]))

/* The KVM per-VM debugfs counters sampled (summed over the vCPUs by KVM). */
static const char *const kvm_fields[] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
	"irq_window_exits", "insn_emulation", "irq_injections", "pf_taken",
	"pf_fixed", "hypercalls",
};
#define NKVM (sizeof(kvm_fields) / sizeof(kvm_fields[0]))

struct sample {
	double ms;
	long long status[NSTATUS]; /* -1: not found */
	long long rss_memfd;       /* KiB resident in memfd mappings; -1: unknown */
	double cpu_ms;             /* user + system time of all threads; -1: unknown */
	long long kvm[NKVM];       /* -1: not read */
};

static void err(const char *what, int neg_errno)
{
	fprintf(stderr, "boottime: %s: %d (%s)\n", what, neg_errno, strerror(-neg_errno));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ options -- */

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
		{ "KILL", SIGKILL }, { "QUIT", SIGQUIT },
	};
	char *end;
	long n;

	if (!strcmp(s, "none"))
		return 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].sig;
	n = strtol(s, &end, 10);
	return (*s && !*end && n > 0 && n < NSIG) ? (int)n : -1;
}

static int parse_opt(struct opts *o, int c, const char *arg)
{
	char *end;

	switch (c) {
	case 'm':
		if (o->nmarkers == MAX_MARKERS || !*arg || strlen(arg) >= LINE_MAX_BYTES / 2)
			return -1;
		o->markers[o->nmarkers++] = arg;
		return 0;
	case 'c': o->console = arg; return 0;
	case 'l': o->label = arg; return 0;
	case 'k': o->kvm_stats = true; return 0;
	case 's': o->signal = parse_signal(arg); return o->signal < 0 ? -1 : 0;
	case 't':
		o->timeout_s = strtod(arg, &end);
		return (*arg && !*end && o->timeout_s > 0) ? 0 : -1;
	}
	return -1;
}

/* Returns 0, 1 after --help, or -1 on bad usage (message printed). */
static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "marker", required_argument, 0, 'm' },
		{ "timeout", required_argument, 0, 't' },
		{ "signal", required_argument, 0, 's' },
		{ "console", required_argument, 0, 'c' },
		{ "label", required_argument, 0, 'l' },
		{ "kvm-stats", no_argument, 0, 'k' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	*o = (struct opts){ .timeout_s = 120, .signal = SIGTERM };
	while ((c = getopt_long(argc, argv, "+m:t:s:c:l:kh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 1;
		}
		if (c == '?' || parse_opt(o, c, optarg)) {
			if (c != '?')
				fprintf(stderr, "boottime: bad value '%s' for -%c\n", optarg, c);
			fprintf(stderr, "boottime: see 'boottime --help'\n");
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "boottime: no COMMAND given: see 'boottime --help'\n");
		return -1;
	}
	o->argv = argv + optind;
	if (!o->nmarkers)
		o->markers[o->nmarkers++] = "iovm-guest: init reached";
	return 0;
}

/* ------------------------------------------------------------- sample -- */

/* Fills s->status from /proc/PID/status (-1 for a field not found). */
static void sample_status(pid_t pid, struct sample *s)
{
	char path[64], line[256];
	FILE *f;

	for (size_t i = 0; i < NSTATUS; i++)
		s->status[i] = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		err(path, -errno);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < NSTATUS; i++) {
			size_t n = strlen(status_fields[i]);

			if (!strncmp(line, status_fields[i], n) && line[n] == ':')
				s->status[i] = strtoll(line + n + 1, NULL, 10);
		}
	}
	fclose(f);
}

/* The CPU time (user + system, guest time included) the command's threads
 * used so far, from /proc/PID/stat; -1 when unreadable. */
static void sample_cpu(pid_t pid, struct sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	s->cpu_ms = -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err(path, -errno);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	/* Fields 14 and 15; the command name (field 2) may hold spaces. */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&ut, &st) == 2)
		s->cpu_ms = (ut + st) * 1e3 / sysconf(_SC_CLK_TCK);
}

/* Sums the Rss of the memfd mappings in /proc/PID/smaps: the guest RAM of
 * iovm (and of QEMU with memory-backend-memfd). Their pages count as
 * RssShmem, but so do those of files on tmpfs (the lab's whole root), so
 * RssShmem alone does not separate guest RAM from the VMM's own pages. */
static void sample_memfd(pid_t pid, struct sample *s)
{
	char path[64], line[512];
	unsigned long lo, hi;
	bool memfd = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	s->rss_memfd = -1;
	f = fopen(path, "re");
	if (!f) {
		err(path, -errno);
		return;
	}
	s->rss_memfd = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			memfd = strstr(line, " /memfd:") != NULL;
		else if (memfd && !strncmp(line, "Rss:", 4))
			s->rss_memfd += strtoll(line + 4, NULL, 10);
	}
	fclose(f);
}

/* Finds KVM_DEBUGFS/PID-FD (the first VM PID created); 0 or -ENOENT. */
static int kvm_vm_dir(pid_t pid, char *buf, size_t len)
{
	char prefix[32];
	struct dirent *d;
	DIR *dir = opendir(KVM_DEBUGFS);
	int ret = -ENOENT;

	if (!dir)
		return -errno;
	snprintf(prefix, sizeof(prefix), "%d-", (int)pid);
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, prefix, strlen(prefix)) &&
		    isdigit((unsigned char)d->d_name[strlen(prefix)])) {
			snprintf(buf, len, "%s/%s", KVM_DEBUGFS, d->d_name);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

static long long read_counter(const char *dir, const char *name)
{
	char path[PATH_MAX];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void sample_kvm(pid_t pid, struct sample *s)
{
	char dir[320]; /* KVM_DEBUGFS "/" d_name */
	int ret = kvm_vm_dir(pid, dir, sizeof(dir));

	for (size_t i = 0; i < NKVM; i++)
		s->kvm[i] = ret ? -1 : read_counter(dir, kvm_fields[i]);
	if (ret)
		err("no KVM debugfs directory for the command's VM in " KVM_DEBUGFS, ret);
}

/* ------------------------------------------------------------ command -- */

/* Starts o->argv with stdout on a new pipe; returns the pid, *out_fd the
 * pipe's read end. */
static pid_t start_command(const struct opts *o, int *out_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(p[0]);
		close(p[1]);
		return pid;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(o->argv[0], o->argv);
		fprintf(stderr, "boottime: cannot run %s: %d (%s)\n", o->argv[0], -errno,
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

struct reader {
	int fd;
	FILE *console;
	const char *const *markers;
	int nmarkers;
	int next;                 /* index of the marker awaited */
	double t0;                /* start, for the markers' times */
	double mark_ms[MAX_MARKERS];
	char buf[LINE_MAX_BYTES];
	size_t len;               /* bytes of the current line held in buf */
	bool seen;                /* all markers seen */
};

/* Whether buf ends with the awaited marker; if so, records its time and
 * moves on to the next. */
static void reader_match(struct reader *r)
{
	const char *m = r->markers[r->next];
	size_t n = strlen(m);

	if (r->len < n || memcmp(r->buf + r->len - n, m, n))
		return;
	r->mark_ms[r->next++] = now_ms() - r->t0;
	r->len = 0;
	r->seen = r->next == r->nmarkers;
}

/* Keeps the current line (or its last LINE_MAX_BYTES/2 bytes when it is
 * long: markers are shorter) and matches the awaited marker in it. */
static void reader_feed(struct reader *r, const char *data, size_t n)
{
	for (size_t i = 0; i < n && !r->seen; i++) {
		if (r->len == sizeof(r->buf)) {
			size_t keep = sizeof(r->buf) / 2;

			memmove(r->buf, r->buf + r->len - keep, keep);
			r->len = keep;
		}
		r->buf[r->len++] = data[i];
		reader_match(r);
		if (data[i] == '\n')
			r->len = 0;
	}
}

/* Reads what is there on r->fd within timeout_ms; returns bytes read, 0 at
 * EOF, -ETIMEDOUT, or -errno. */
static ssize_t reader_poll(struct reader *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char data[4096];
	ssize_t n;
	int ret = poll(&pfd, 1, timeout_ms);

	if (ret < 0)
		return errno == EINTR ? -ETIMEDOUT : -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	n = read(r->fd, data, sizeof(data));
	if (n < 0)
		return errno == EINTR ? -ETIMEDOUT : -errno;
	if (r->console && n)
		fwrite(data, 1, n, r->console);
	reader_feed(r, data, n);
	return n;
}

/* Reads until the marker, EOF or deadline; returns 0 when seen, else
 * -ENODATA (EOF), -ETIMEDOUT or -errno. */
static int wait_marker(struct reader *r, double deadline_ms)
{
	while (!r->seen) {
		double left = deadline_ms - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = reader_poll(r, left > INT_MAX ? INT_MAX : (int)left + 1);
		if (n == 0)
			return -ENODATA;
		if (n < 0 && n != -ETIMEDOUT)
			return (int)n;
	}
	return 0;
}

/* Reads (and drops) the rest of the output until EOF; SIGKILLs the command
 * when it has not closed its stdout by the deadline, and gives up
 * STOP_GRACE_S after that. */
static void drain(struct reader *r, pid_t pid, double deadline_ms)
{
	bool killed = false;

	for (;;) {
		double left = deadline_ms - now_ms();
		ssize_t n;

		if (left <= 0 && killed)
			return;
		if (left <= 0) {
			fprintf(stderr, "boottime: the command is still running, sending SIGKILL\n");
			kill(pid, SIGKILL);
			killed = true;
			deadline_ms = now_ms() + STOP_GRACE_S * 1e3;
			continue;
		}
		n = reader_poll(r, (int)left + 1);
		if (n == 0 || (n < 0 && n != -ETIMEDOUT))
			return;
	}
}

/* Prints the state and kernel wait channel of each of PID's threads: why
 * a command did not die. */
static void describe_stuck(pid_t pid)
{
	char path[64], state[256], wchan[128];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		state[0] = wchan[0] = 0;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", (int)pid, d->d_name);
		if ((f = fopen(path, "re"))) {
			if (!fgets(state, sizeof(state), f))
				state[0] = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/wchan", (int)pid, d->d_name);
		if ((f = fopen(path, "re"))) {
			if (!fgets(wchan, sizeof(wchan), f))
				wchan[0] = 0;
			fclose(f);
		}
		state[strcspn(state, "\n")] = 0;
		fprintf(stderr, "boottime:   thread %s: %.60s wchan %s\n", d->d_name, state, wchan);
	}
	closedir(dir);
}

/* The command's exit status as a shell reports it (128+N for signal N);
 * -1 when it has not ended STOP_GRACE_S after a SIGKILL (left behind). */
static int reap(pid_t pid)
{
	double deadline = now_ms() + STOP_GRACE_S * 1e3;
	bool killed = false;
	int st;

	for (;;) {
		pid_t ret = waitpid(pid, &st, WNOHANG);

		if (ret == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (ret < 0 && errno != EINTR)
			return -1;
		if (now_ms() > deadline && killed) {
			fprintf(stderr, "boottime: the command (pid %d) did not end after SIGKILL:\n",
				(int)pid);
			describe_stuck(pid);
			return -1;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			killed = true;
			deadline = now_ms() + STOP_GRACE_S * 1e3;
		}
		usleep(20000);
	}
}

/* ------------------------------------------------------------- report -- */

static void print_result(const struct opts *o, const struct reader *r, const struct sample *s,
			 bool seen, int status)
{
	if (o->label)
		printf("boottime label=%s ms=", o->label);
	else
		printf("boottime ms=");
	if (seen)
		printf("%.1f", s->ms);
	else
		printf("-1");
	for (int i = 0; i < r->next && i < r->nmarkers - 1; i++)
		printf(" mark%d_ms=%.1f", i + 1, r->mark_ms[i]);
	for (size_t i = 0; i < NSTATUS && seen; i++)
		printf(" %s=%lld", status_keys[i], s->status[i]);
	if (seen)
		printf(" rss_memfd_kib=%lld rss_vmm_kib=%lld cpu_ms=%.0f", s->rss_memfd,
		       s->rss_memfd < 0 || s->status[0] < 0 ? -1 : s->status[0] - s->rss_memfd,
		       s->cpu_ms);
	for (size_t i = 0; i < NKVM && seen && o->kvm_stats; i++)
		printf(" kvm_%s=%lld", kvm_fields[i], s->kvm[i]);
	printf(" exit=%d\n", status);
	fflush(stdout);
}

static const char *marker_failure(int ret)
{
	if (ret == -ENODATA)
		return "the command closed its stdout before the marker";
	if (ret == -ETIMEDOUT)
		return "no marker before the timeout";
	return "reading the command's stdout";
}

static int run(const struct opts *o, FILE *console)
{
	struct reader r = { .console = console, .markers = o->markers,
			    .nmarkers = o->nmarkers, .t0 = now_ms() };
	struct sample s = { 0 };
	double t0 = r.t0;
	pid_t pid = start_command(o, &r.fd);
	int ret, status;

	if (pid < 0) {
		err("cannot start the command", pid);
		return EXIT_USAGE;
	}
	ret = wait_marker(&r, t0 + o->timeout_s * 1e3);
	if (!ret) {
		s.ms = r.mark_ms[o->nmarkers - 1];
		sample_status(pid, &s);
		sample_cpu(pid, &s);
		if (o->kvm_stats)
			sample_kvm(pid, &s);
		/* Last: reading smaps takes the process's mmap lock. */
		sample_memfd(pid, &s);
	} else {
		err(marker_failure(ret), ret);
	}
	if (ret || o->signal)
		kill(pid, ret ? SIGKILL : o->signal);
	drain(&r, pid, now_ms() + (ret || o->signal ? STOP_GRACE_S * 1e3 : o->timeout_s * 1e3));
	close(r.fd);
	status = reap(pid);
	print_result(o, &r, &s, !ret, status);
	return ret ? EXIT_NO_MARK : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	FILE *console = NULL;
	int ret = parse_opts(&o, argc, argv);

	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (o.console) {
		console = fopen(o.console, "we");
		if (!console) {
			ret = -errno;
			fprintf(stderr, "boottime: cannot write %s: %d (%s)\n", o.console, ret,
				strerror(-ret));
			return EXIT_USAGE;
		}
	}
	ret = run(&o, console);
	if (console)
		fclose(console);
	return ret;
}
